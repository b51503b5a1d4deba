// docketctl notifications list|retry: the mails the notifier could not
// send for good (consumers/notifier/notifier.h), read from its store while
// docketd runs (read-only), and queued again through its retry directory.
//
//   list   one JSON object per refused mail:
//          {"key","event_id","recipient","template","attempts","last_error",
//           "queued_at_us"}, and on stderr how many wait to be sent
//   retry  KEY... or --all: the notifier queues them again within a second
//
// The mails' variables are not printed: a reset mail's has no link in it
// (the link is made when it is sent), but they may hold comment text.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "consumers/notifier/notifier.h"
#include "consumers/notifier/outbox.h"
#include "tools/docketctl/commands.h"

namespace docket::ctl {
namespace {

struct NotificationFlags {
  std::string data_dir = "./var";
  std::vector<std::string> keys;
  bool all = false;
  std::string Store() const { return data_dir + "/notifier"; }
};

int RunList(const NotificationFlags& f) {
  const std::string cmd = "notifications list";
  auto outbox = notifier::Outbox::OpenReadOnly(f.Store());
  if (!outbox.ok()) return Fail(cmd, outbox.status());
  auto failed = (*outbox)->Failed();
  if (!failed.ok()) return Fail(cmd, failed.status());
  for (const notifier::Pending& p : *failed) {
    std::cout << nlohmann::json{{"key", p.key},
                                {"event_id", p.event_id},
                                {"recipient", p.intent.recipient},
                                {"template", p.intent.template_name},
                                {"attempts", p.attempts},
                                {"last_error", p.last_error},
                                {"queued_at_us", p.queued_us}}
                     .dump()
              << "\n";
  }
  auto pending = (*outbox)->PendingCount();
  std::cerr << "docketctl notifications list: " << failed->size() << " refused for good, "
            << (pending.ok() ? std::to_string(*pending) : "?") << " waiting to be sent\n";
  return kExitOk;
}

int RunRetry(const NotificationFlags& f) {
  const std::string cmd = "notifications retry";
  std::vector<std::string> keys = f.keys;
  if (f.all) {
    auto outbox = notifier::Outbox::OpenReadOnly(f.Store());
    if (!outbox.ok()) return Fail(cmd, outbox.status());
    auto failed = (*outbox)->Failed();
    if (!failed.ok()) return Fail(cmd, failed.status());
    for (const auto& p : *failed) keys.push_back(p.key);
  }
  if (keys.empty()) return Fail(cmd, InvalidArgumentError("name the mails (KEY...) or --all"));
  const std::string dir = notifier::Notifier::RetryRequestDir(f.Store());
  if (!std::filesystem::is_directory(dir)) {
    return Fail(cmd, NotFoundError(dir + " does not exist: no notifier ran with --data-dir " +
                                   f.data_dir));
  }
  for (const std::string& key : keys) {
    const std::string path = dir + "/" + Sha256Hex(key);
    std::ofstream(path + ".tmp") << key;
    std::filesystem::rename(path + ".tmp", path);
  }
  std::cerr << "docketctl notifications retry: " << keys.size()
            << " mails handed to the notifier\n";
  return kExitOk;
}

}  // namespace

void RegisterNotifications(CLI::App& app, int* exit_code) {
  auto* n = app.add_subcommand("notifications", "Mails the notifier could not send");
  n->require_subcommand(1);
  auto flags = std::make_shared<NotificationFlags>();
  auto* list = n->add_subcommand("list", "The mails refused for good, as JSON lines");
  list->add_option("--data-dir", flags->data_dir, "docketd's data directory")
      ->capture_default_str();
  list->callback([flags, exit_code] { *exit_code = RunList(*flags); });
  auto* retry = n->add_subcommand("retry", "Queue refused mails again");
  retry->add_option("--data-dir", flags->data_dir, "docketd's data directory")
      ->capture_default_str();
  retry->add_option("keys", flags->keys, "Keys from `notifications list`");
  retry->add_flag("--all", flags->all, "Every refused mail");
  retry->callback([flags, exit_code] { *exit_code = RunRetry(*flags); });
}

}  // namespace docket::ctl

// docketctl admin create: the first admin of a fresh installation (and, with
// --role and --account, a user of a scripted setup such as a benchmark:
// everyone else is invited through POST /users). Reads the password from
// standard input (one line), refuses a weak one, hashes it with Argon2id and
// sends CreateUser through the identity context as the system actor; the
// decider refuses an e-mail that exists. docketd (the decider role) must be
// running to answer.
#include <sodium.h>

#include <iostream>

#include "aggregates/identity/identity_handler.h"
#include "aggregates/identity/password_policy.h"
#include "common/clock.h"
#include "common/hash.h"
#include "common/password.h"
#include "common/text.h"
#include "common/word_list.h"
#include "consumers/command_bus.h"
#include "events/envelope.h"
#include "tools/docketctl/commands.h"

namespace docket::ctl {
namespace {

struct AdminFlags {
  ConnectionFlags conn;
  std::string prefix = "docket";
  int32_t partitions = 6;
  std::string email;
  std::string name;
  int wait_ms = 30000;
  std::string common_passwords = "config/common-passwords.txt";
  std::string role = "admin";
  std::vector<std::string> accounts;  // a customer's
};

int RunCreate(const AdminFlags& f) {
  const std::string cmd = "admin create";
  if (!ValidEmail(f.email)) {
    return Fail(cmd, InvalidArgumentError("'" + f.email + "' is not an e-mail address"));
  }
  if (Utf8Length(f.name) < 1 || Utf8Length(f.name) > 200) {
    return Fail(cmd, InvalidArgumentError("--name must be 1..200 characters"));
  }
  fb::Role role = fb::Role::Admin;
  if (f.role == "staff") {
    role = fb::Role::Staff;
  } else if (f.role == "customer") {
    role = fb::Role::Customer;
  } else if (f.role != "admin") {
    return Fail(cmd, InvalidArgumentError("--role must be admin, staff or customer"));
  }
  if ((role == fb::Role::Customer) == f.accounts.empty()) {
    return Fail(cmd, InvalidArgumentError("--account is for customers, who need at least one"));
  }
  std::string password;
  if (!std::getline(std::cin, password)) {
    return Fail(cmd, InvalidArgumentError("no password on standard input"));
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  Result<std::vector<std::string>> common = ReadWordList(f.common_passwords);
  if (!common.ok()) return Fail(cmd, common.status());
  if (auto weak = aggregates::PasswordPolicy(*common).Weak(password, f.email, f.name)) {
    return Fail(cmd, InvalidArgumentError("the password " + *weak));
  }
  Result<std::string> hash = HashPassword(password);
  sodium_memzero(password.data(), password.size());
  if (!hash.ok()) return Fail(cmd, hash.status());

  events::TopicLayout layout;
  layout.prefix = f.prefix;
  layout.partitions = f.partitions;
  auto admin = kafka::Admin::Create(f.conn.ToKafka("docketctl-admin"));
  if (!admin.ok()) return Fail(cmd, admin.status());
  if (Status s = (*admin)->EnsureTopics(events::AllTopicSpecs(layout)); !s.ok()) {
    return Fail(cmd, s);
  }
  aggregates::IdentityHandler identity;
  consumers::CommandBusOptions bo;
  bo.kafka = f.conn.ToKafka("docketctl-admin");
  bo.layout = layout;
  bo.recent_results_on_start = 0;  // only this command's result matters
  auto bus = consumers::CommandBus::Create(bo, identity);
  if (!bus.ok()) return Fail(cmd, bus.status());

  fb::CommandEnvelopeT c =
      events::MakeCommand(aggregates::UserIdForEmail(f.email), events::SystemActor("docketctl"),
                          SystemClock().NowMicros());
  // A fresh id: running the command again must meet "already exists", not
  // the stored answer of the first run.
  c.command_id = "admin-create/" + RandomHex(16);
  fb::CreateUserT u;
  u.email = f.email;
  u.name = f.name;
  u.role = role;
  u.account_ids = f.accounts;
  u.password_hash = *hash;
  c.command.Set(std::move(u));
  auto out = (*bus)->Submit(c, std::chrono::milliseconds(f.wait_ms));
  if (!out.ok()) return Fail(cmd, out.status());
  if (!out->decided) {
    return Fail(cmd, UnavailableError("no decider answered within " + std::to_string(f.wait_ms) +
                                      " ms; the command is on the log and is applied once "
                                      "docketd (decider role) runs"));
  }
  const fb::CommandResultT& r = out->result;
  if (r.code == fb::ResultCode::AlreadyExists) {
    return Fail(cmd, AlreadyExistsError("a user with e-mail " + f.email + " already exists"));
  }
  if (r.code != fb::ResultCode::Accepted) {
    return Fail(cmd, InvalidArgumentError(r.rule + ": " + r.message));
  }
  std::cout << "created " << f.role << " " << f.email << " (user id " << r.aggregate_id << ")\n";
  return kExitOk;
}

}  // namespace

void RegisterAdmin(CLI::App& app, int* exit_code) {
  auto* admin = app.add_subcommand("admin", "Administer portal users");
  admin->require_subcommand(1);
  auto f = std::make_shared<AdminFlags>();
  CLI::App* create = admin->add_subcommand(
      "create", "Create an admin user; the password is read from standard input");
  AddConnectionFlags(create, &f->conn);
  create->add_option("--topic-prefix", f->prefix, "Topic name prefix")->capture_default_str();
  create->add_option("--partitions", f->partitions, "Partitions per topic")->capture_default_str();
  create->add_option("--email", f->email, "The admin's e-mail (the login)")->required();
  create->add_option("--name", f->name, "The admin's name")->required();
  create->add_option("--common-passwords", f->common_passwords,
                     "The list of common passwords no user may choose")
      ->capture_default_str();
  create->add_option("--role", f->role, "admin, staff or customer")->capture_default_str();
  create->add_option("--account", f->accounts, "A customer's account (repeat for several)");
  create->add_option("--wait-ms", f->wait_ms, "How long to wait for the decider")
      ->capture_default_str();
  create->callback([f, exit_code] { *exit_code = RunCreate(*f); });
}

}  // namespace docket::ctl

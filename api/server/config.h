// docketd's configuration: every setting of the process and its roles, how
// flags and the config file bind to them (BindFlags; docs/configuration.md
// lists them), and the options each role gets from them (Resolve).
#ifndef DOCKET_API_SERVER_CONFIG_H_
#define DOCKET_API_SERVER_CONFIG_H_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <set>
#include <string>

#include "aggregates/cases/case.h"
#include "aggregates/identity/identity.h"
#include "api/gateway.h"
#include "api/routes/chat.h"
#include "consumers/decider.h"
#include "consumers/notifier/notifier.h"
#include "consumers/projection_runner.h"

namespace docket::server {

struct DocketdConfig {
  // The process.
  std::string roles = "gateway,decider,projector,notifier";
  std::string brokers = "127.0.0.1:9092";
  std::string data_dir = "./var";
  std::string instance_id = "0";
  events::TopicLayout layout;
  bool ensure_topics = true;
  int timeout_ms = 10000;  // bound on every broker wait
  int64_t consumer_queue_bytes = kafka::KafkaOptions{}.consumer_queue_bytes;
  std::string log_level = "info";
  std::string catalog_path = "config/catalog.json";
  std::string quick_links_path = "config/quick-links.json";
  // The status context's services ([{id, name}]) and the portal's look and
  // links (product name, logo, colours, footer links); "" = none (only
  // services with a posted status; the product name "Docket"). tools/dev
  // passes config/status-services.json and config/portal.json.
  std::string status_services_path;
  std::string portal_config_path;
  // The chat's queues and limits (JSON, api/routes/chat.h ParseChatConfig);
  // "" = the defaults: Sales and Support. tools/dev passes config/chat.json.
  std::string chat_config_path;
  std::string port_file;
  // Roles (their own settings; the process's are copied in by Resolve).
  consumers::DeciderOptions decider;
  int64_t transaction_timeout_ms = decider.transaction_timeout.count();
  int64_t auto_close_seconds = 7 * 24 * 3600;
  int64_t projector_batch = 2000;
  int64_t read_cache_bytes = int64_t{64} << 20;
  int64_t read_memtable_bytes = int64_t{128} << 20;
  api::GatewayOptions gateway;
  std::string trusted_proxies;  // comma list
  std::string allowed_origins;  // comma list
  int64_t request_timeout_ms = gateway.http.request_timeout.count();
  int64_t command_wait_ms = gateway.command_wait.count();
  int64_t min_position_wait_ms = gateway.min_position_wait.count();
  int64_t session_idle_s = gateway.sessions.idle.count();
  int64_t session_absolute_s = gateway.sessions.absolute.count();
  int64_t reset_link_ttl_s = gateway.reset_link_ttl.count();
  int64_t activation_link_ttl_s = gateway.activation_link_ttl.count();
  int64_t unlock_link_ttl_s = gateway.unlock_link_ttl.count();
  int lockout_failures = aggregates::IdentityLimits{}.max_failed_logins;
  int64_t lockout_window_s = aggregates::IdentityLimits{}.failed_login_window.count();
  int64_t blob_gc_interval_s = gateway.blob_gc_interval.count();
  int64_t blob_gc_grace_s = gateway.blob_gc_grace.count();

  // Set by Resolve(): the roles to run (a gateway also runs the projectors:
  // it reads their models in-process), and each role's options.
  std::set<std::string> role_set;
  consumers::ProjectorOptions projector;
  aggregates::CaseLimits case_limits;
  aggregates::IdentityLimits identity_limits;
  api::ChatRoutesOptions chat;  // read from chat_config_path
  notifier::NotifierOptions notifier;
  std::string smtp_password_file;  // the SMTP password, read at start
  std::string mail_templates = "config/mail";
  std::string common_passwords = "config/common-passwords.txt";
  std::string challenge_questions_path = "config/challenge-questions.txt";
  std::vector<aggregates::ChallengeQuestion> challenge_questions;  // read by Resolve
  // Testing only: a file holding seconds to add to the clock (OffsetClock).
  std::string test_clock_offset_file;

  // Derives the role options; kInvalidArgument naming a bad setting.
  Status Resolve();
  bool Runs(const std::string& role) const { return role_set.count(role) > 0; }
};

// Binds every setting to its long flag (and to the config file's keys of
// the same name) on `app`.
void BindFlags(CLI::App& app, DocketdConfig& config);

}  // namespace docket::server

#endif  // DOCKET_API_SERVER_CONFIG_H_

#include "api/server/config.h"

#include <fstream>
#include <sstream>

namespace docket::server {
namespace {

std::set<std::string> SplitCommas(const std::string& list) {
  std::set<std::string> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.insert(item);
  }
  return out;
}

void BindProcess(CLI::App& app, DocketdConfig& c) {
  app.add_option("--brokers", c.brokers, "Kafka bootstrap servers")
      ->capture_default_str()
      ->envname("DOCKET_BROKERS");
  app.add_option("--data-dir", c.data_dir, "Directory of state stores, read models, blobs")
      ->capture_default_str();
  app.add_option("--roles", c.roles,
                 "Comma list of roles to run (gateway, decider, projector, notifier; run one "
                 "notifier per deployment)")
      ->capture_default_str();
  app.add_option("--instance-id", c.instance_id,
                 "Stable id of this process: its transactional.id and static group "
                 "membership; give each process its own")
      ->capture_default_str();
  app.add_option("--partitions", c.layout.partitions, "Partitions per topic")
      ->capture_default_str();
  app.add_option("--topic-prefix", c.layout.prefix, "Topic name prefix")->capture_default_str();
  app.add_option("--ensure-topics", c.ensure_topics, "Create missing topics at start (true/false)")
      ->capture_default_str();
  app.add_option("--catalog", c.catalog_path, "Request catalog (JSON)")->capture_default_str();
  app.add_option("--timeout-ms", c.timeout_ms, "Bound on every broker wait")->capture_default_str();
  app.add_option("--consumer-queue-bytes", c.consumer_queue_bytes,
                 "Records each Kafka consumer fetches ahead, in bytes")
      ->capture_default_str()->check(CLI::Range(int64_t{1} << 20, int64_t{2} << 30));
}

void BindDecider(CLI::App& app, DocketdConfig& c) {
  app.add_option("--session-timeout-ms", c.decider.session_timeout_ms,
                 "Consumer group session timeout")
      ->capture_default_str();
  app.add_option("--max-batch", c.decider.max_batch, "Commands per transaction at most")
      ->capture_default_str();
  app.add_option("--decider-cache-bytes", c.decider.store.block_cache_bytes,
                 "RocksDB block cache of each decider's state store")
      ->capture_default_str();
  app.add_option("--transaction-timeout-ms", c.transaction_timeout_ms,
                 "How long a crashed owner's open transaction can hold up failover")
      ->capture_default_str();
  app.add_option("--auto-close-after-s", c.auto_close_seconds,
                 "Seconds after which a RESOLVED case closes itself")
      ->capture_default_str();
  app.add_option("--projector-max-batch", c.projector_batch,
                 "Events per read-model WriteBatch at most")
      ->capture_default_str();
  app.add_option("--read-cache-bytes", c.read_cache_bytes,
                 "Block cache shared by every read model's store")
      ->capture_default_str()->check(CLI::Range(int64_t{1} << 20, int64_t{1} << 40));
  app.add_option("--read-memtable-bytes", c.read_memtable_bytes,
                 "Memtable budget shared by every read model's store")
      ->capture_default_str()->check(CLI::Range(int64_t{4} << 20, int64_t{1} << 40));
}

void BindHttp(CLI::App& app, DocketdConfig& c) {
  api::GatewayOptions& gw = c.gateway;
  app.add_option("--listen", gw.http.listen, "HTTP address (host:port; port 0 picks one)")
      ->capture_default_str();
  app.add_option("--port-file", c.port_file, "Write the bound HTTP port to this file");
  app.add_option("--http-io-threads", gw.http.io_threads, "Threads doing HTTP I/O")
      ->capture_default_str();
  app.add_option("--http-worker-threads", gw.http.worker_threads,
                 "Threads handling requests (they may wait on the broker)")
      ->capture_default_str();
  app.add_option("--max-header-bytes", gw.http.max_header_bytes, "Request header size limit")
      ->capture_default_str();
  app.add_option("--max-connections-per-client", gw.http.max_connections_per_client,
                 "Open connections per client address (IPv6: per /64); trusted proxies exempt")
      ->capture_default_str();
  app.add_option("--max-queued-requests", gw.http.max_queued_requests,
                 "Requests waiting for a worker before new ones get 503")
      ->capture_default_str();
  app.add_option("--request-timeout-ms", c.request_timeout_ms,
                 "Time a request (header and body) may take to arrive")
      ->capture_default_str();
  app.add_option("--max-spooled-bytes-per-user", gw.max_spooled_bytes_per_user,
                 "Upload bytes one user may have in transfer at once")
      ->capture_default_str();
  app.add_option("--max-concurrent-exports", gw.max_concurrent_exports,
                 "CSV exports streaming at once (one per user); each holds a worker")
      ->capture_default_str();
  app.add_option("--max-event-streams", gw.http.max_long_lived,
                 "Live event streams open at once (each holds a thread); more get 503")
      ->capture_default_str();
  app.add_option("--max-event-streams-per-user", gw.max_event_streams_per_user,
                 "Live event streams one user may hold open (tabs); more get 429")
      ->capture_default_str();
  app.add_option("--max-websockets", gw.http.max_websockets,
                 "WebSockets open at once (live chat; on the I/O threads); more get 503")
      ->capture_default_str();
  app.add_option("--blob-gc-interval-s", c.blob_gc_interval_s,
                 "How often attachment bytes no case refers to are removed")
      ->capture_default_str();
  app.add_option("--blob-gc-grace-s", c.blob_gc_grace_s,
                 "Unreferenced attachment bytes younger than this are kept (uploads in flight)")
      ->capture_default_str();
  app.add_option("--max-body-bytes", gw.max_body_bytes, "JSON body size limit")
      ->capture_default_str();
  app.add_option("--max-upload-bytes", gw.max_upload_bytes, "Attachment size limit")
      ->capture_default_str();
}

void BindGateway(CLI::App& app, DocketdConfig& c) {
  api::GatewayOptions& gw = c.gateway;
  app.add_option("--rate-ip-per-s", gw.per_address.per_second,
                 "Requests per second per client address (0: unlimited)")
      ->capture_default_str();
  app.add_option("--rate-ip-burst", gw.per_address.burst, "Burst per client address")
      ->capture_default_str();
  app.add_option("--rate-user-per-s", gw.per_user.per_second,
                 "Requests per second per signed-in user (0: unlimited)")
      ->capture_default_str();
  app.add_option("--rate-user-burst", gw.per_user.burst, "Burst per user")->capture_default_str();
  app.add_option("--login-per-min", gw.login_per_minute,
                 "Login attempts per minute per client address (0: unlimited)")
      ->capture_default_str();
  app.add_option("--command-wait-ms", c.command_wait_ms,
                 "How long a command waits for its result before answering 202")
      ->capture_default_str();
  app.add_option("--min-position-wait-ms", c.min_position_wait_ms,
                 "How long a query waits for Docket-Min-Position")
      ->capture_default_str();
  app.add_option("--session-idle-s", c.session_idle_s, "A session ends after this idle time")
      ->capture_default_str();
  app.add_option("--session-absolute-s", c.session_absolute_s,
                 "A session ends this long after login, whatever happens")
      ->capture_default_str();
  app.add_option("--reset-link-ttl-s", c.reset_link_ttl_s,
                 "A forgotten-password link works this long after it was sent")
      ->capture_default_str();
  app.add_option("--activation-link-ttl-s", c.activation_link_ttl_s,
                 "An invitation's activation link works this long after it was sent")
      ->capture_default_str();
  app.add_option("--unlock-link-ttl-s", c.unlock_link_ttl_s,
                 "An unlock link works this long after it was sent")
      ->capture_default_str();
  app.add_option("--link-mails-per-hour", gw.link_mails_per_hour,
                 "Forgotten-password and unlock mails per e-mail or username and hour")
      ->capture_default_str();
  app.add_option("--access-requests-per-hour", gw.access_requests_per_hour,
                 "Access requests per client address and hour (a third of it per e-mail)")
      ->capture_default_str();
  app.add_option("--challenge-questions", c.challenge_questions_path,
                 "The challenge questions users choose from (\"<id>: <question>\" per line)")
      ->capture_default_str();
  app.add_option("--test-clock-offset-file", c.test_clock_offset_file,
                 "Testing only: seconds in this file are added to the clock")
      ->group("");
  app.add_option("--common-passwords", c.common_passwords,
                 "The list of common passwords no user may choose (one per line)")
      ->capture_default_str();
  app.add_option("--lockout-failures", c.lockout_failures,
                 "Failed sign-ins within the lock-out window that lock a user")
      ->capture_default_str();
  app.add_option("--lockout-window-s", c.lockout_window_s,
                 "The window the lock-out counts failed sign-ins in")
      ->capture_default_str();
  app.add_flag("--secure-cookies", gw.secure_cookies, "Mark the session cookie Secure (HTTPS)")
      ->capture_default_str();
  app.add_option("--max-concurrent-hashes", gw.max_concurrent_hashes,
                 "Argon2id hashes running at once (each takes 64 MiB)")
      ->capture_default_str();
  app.add_option("--ready-max-lag-events", gw.ready_max_lag_events,
                 "/readyz fails while a read-model partition is more events behind")
      ->capture_default_str();
  app.add_option("--ready-max-lag-s", gw.ready_max_lag_seconds,
                 "/readyz fails while a read model's oldest unapplied event is older")
      ->capture_default_str();
  app.add_option("--command-id-key-file", gw.command_id_key_file,
                 "Secret that Idempotency-Key command ids are derived with, shared by "
                 "every gateway (default <data-dir>/command-id.key, created on first start)")
      ->capture_default_str();
  app.add_option("--trusted-proxies", c.trusted_proxies,
                 "Comma list of proxy addresses whose X-Forwarded-For names the client")
      ->capture_default_str();
  app.add_option("--allowed-origins", c.allowed_origins,
                 "Comma list of other origins whose pages may send mutating requests "
                 "(e.g. https://portal.example.com); the gateway's own host always may")
      ->capture_default_str();
  app.add_option("--quick-links", c.quick_links_path,
                 "Quick links (JSON [{title, description, url}])")
      ->capture_default_str();
  app.add_option("--status-services", c.status_services_path,
                 "The services of System Status (JSON [{id, name}])")
      ->capture_default_str();
  app.add_option("--portal-config", c.portal_config_path,
                 "The portal's product name, logo, colours and footer links (JSON)")
      ->capture_default_str();
  app.add_option("--chat-config", c.chat_config_path,
                 "Live chat's queues and limits (JSON); empty: Sales and Support, default limits")
      ->capture_default_str();
  app.add_option("--web-root", gw.web_root,
                 "The portal's built files (web/dist), served at /; empty: no portal")
      ->capture_default_str();
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
}

}  // namespace

void BindNotifier(CLI::App& app, DocketdConfig& c) {
  notifier::NotifierOptions& n = c.notifier;
  app.add_option("--smtp-host", n.smtp.host, "SMTP server")->capture_default_str();
  app.add_option("--smtp-port", n.smtp.port, "SMTP port")->capture_default_str();
  app.add_option("--smtp-security", n.smtp.security, "none, starttls or tls")
      ->capture_default_str();
  app.add_option("--smtp-username", n.smtp.username, "SMTP user (empty: no AUTH)");
  app.add_option("--smtp-password-file", c.smtp_password_file,
                 "File holding the SMTP password (never on the command line)");
  app.add_option("--mail-from", n.smtp.from_address, "From address of every mail")
      ->capture_default_str();
  app.add_option("--mail-from-name", n.smtp.from_name, "Display name of the From address")
      ->capture_default_str();
  app.add_option("--mail-templates", c.mail_templates, "Directory of the mail templates")
      ->capture_default_str();
  app.add_option("--public-base-url", n.public_base_url,
                 "The portal's address, for links in mails (never taken from a request)")
      ->capture_default_str();
}

void BindFlags(CLI::App& app, DocketdConfig& config) {
  BindProcess(app, config);
  BindDecider(app, config);
  BindHttp(app, config);
  BindGateway(app, config);
  BindNotifier(app, config);
}

Status DocketdConfig::Resolve() {
  role_set = SplitCommas(roles);
  for (const auto& r : role_set) {
    if (r != "decider" && r != "projector" && r != "gateway" && r != "notifier") {
      return InvalidArgumentError("unknown role '" + r +
                                  "' (known: gateway, decider, projector, notifier)");
    }
  }
  // The gateway and the notifier read the read models in-process.
  if (Runs("gateway") || Runs("notifier")) role_set.insert("projector");
  kafka::KafkaOptions kafka = decider.kafka;
  kafka.brokers = brokers;
  kafka.timeout = std::chrono::milliseconds(timeout_ms);
  kafka.consumer_queue_bytes = consumer_queue_bytes;

  decider.kafka = kafka;
  decider.layout = layout;
  decider.data_dir = data_dir;
  decider.instance_id = instance_id;
  decider.transaction_timeout = std::chrono::milliseconds(transaction_timeout_ms);
  decider.stable_wait =
      std::max(decider.stable_wait, decider.transaction_timeout + std::chrono::seconds(30));

  case_limits.auto_close_after = std::chrono::seconds(auto_close_seconds);
  DOCKET_RETURN_IF_ERROR(case_limits.Validate());

  projector.kafka = kafka;
  projector.layout = layout;
  projector.data_dir = data_dir;
  projector.max_batch = static_cast<size_t>(std::max<int64_t>(1, projector_batch));
  projector.store_memory = projections::StoreMemory::Create(
      static_cast<size_t>(read_cache_bytes), static_cast<size_t>(read_memtable_bytes));

  gateway.kafka = kafka;
  gateway.layout = layout;
  gateway.data_dir = data_dir;
  gateway.instance_id = instance_id;
  gateway.trusted_proxies = SplitCommas(trusted_proxies);
  gateway.allowed_origins = SplitCommas(allowed_origins);
  gateway.blob_gc_interval = std::chrono::seconds(blob_gc_interval_s);
  gateway.blob_gc_grace = std::chrono::seconds(blob_gc_grace_s);
  gateway.http.request_timeout = std::chrono::milliseconds(request_timeout_ms);
  gateway.command_wait = std::chrono::milliseconds(command_wait_ms);
  gateway.min_position_wait = std::chrono::milliseconds(min_position_wait_ms);
  gateway.sessions.idle = std::chrono::seconds(session_idle_s);
  gateway.sessions.absolute = std::chrono::seconds(session_absolute_s);
  gateway.reset_link_ttl = std::chrono::seconds(reset_link_ttl_s);
  gateway.activation_link_ttl = std::chrono::seconds(activation_link_ttl_s);
  gateway.unlock_link_ttl = std::chrono::seconds(unlock_link_ttl_s);
  if (Runs("decider") || Runs("gateway")) {
    std::ifstream in(challenge_questions_path);
    if (!in) {
      return InvalidArgumentError("cannot read --challenge-questions " + challenge_questions_path);
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    DOCKET_ASSIGN_OR_RETURN(challenge_questions, aggregates::ParseChallengeQuestions(text));
    identity_limits.challenge_questions.clear();
    for (const auto& q : challenge_questions) identity_limits.challenge_questions.push_back(q.id);
  }
  if (!chat_config_path.empty()) {
    std::ifstream in(chat_config_path);
    if (!in) return InvalidArgumentError("cannot read --chat-config " + chat_config_path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    DOCKET_ASSIGN_OR_RETURN(chat, api::ParseChatConfig(text));
  }
  chat.max_transcript_chars = case_limits.max_comment_chars;
  identity_limits.max_failed_logins = lockout_failures;
  identity_limits.failed_login_window = std::chrono::seconds(lockout_window_s);
  DOCKET_RETURN_IF_ERROR(identity_limits.Validate());
  notifier.kafka = kafka;
  notifier.layout = layout;
  notifier.dir = data_dir + "/notifier";
  notifier.templates_dir = mail_templates;
  if (!smtp_password_file.empty()) {
    std::ifstream in(smtp_password_file);
    if (!in) return InvalidArgumentError("cannot read --smtp-password-file " + smtp_password_file);
    std::getline(in, notifier.smtp.password);
  }
  if (Runs("notifier")) DOCKET_RETURN_IF_ERROR(notifier.Validate());
  return Status::Ok();
}

}  // namespace docket::server

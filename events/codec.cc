#include "events/codec.h"

#include <flatbuffers/minireflect.h>
#include <utf8proc.h>

#include <cstring>
#include <memory>

#include "events/upcast.h"

namespace docket::events {
namespace {

constexpr size_t kMinBytes = 8;  // root offset + file identifier

std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// Valid UTF-8 without NUL (no Docket text or id has a use for U+0000).
bool IsValidUtf8(const char* s, size_t n) {
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(s);
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(n);
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p, left, &cp);
    if (len <= 0 || cp == 0) return false;
    p += len;
    left -= len;
  }
  return true;
}

// Walks a verified buffer with mini reflection and records the first value
// that is out of its enum's range, an unknown union member, or a string that
// is not valid UTF-8.
//
// The Verifier lets many offsets point at one string or table, so a small
// record could unpack into gigabytes. The walk therefore charges every
// string, vector element and table against a budget of the record's own
// size: an honest buffer (Pack never shares) always fits.
class MeaningChecker : public flatbuffers::IterationVisitor {
 public:
  explicit MeaningChecker(size_t budget) : budget_(static_cast<int64_t>(budget)) {}

  void StartSequence() override { Charge(4); }
  void Element(size_t, flatbuffers::ElementaryType, const flatbuffers::TypeTable*,
               const uint8_t*) override {
    Charge(4);
  }
  void Field(size_t, size_t, flatbuffers::ElementaryType, bool,
             const flatbuffers::TypeTable* type_table, const char* name,
             const uint8_t*) override {
    field_ = name ? name : "?";
    field_is_enum_ = type_table != nullptr &&
                     type_table->st == flatbuffers::ST_ENUM;
  }
  void UType(uint8_t x, const char* name) override {
    if (!name) Fail("union type " + std::to_string(x) + " is unknown");
  }
  void Char(int8_t x, const char* n) override { Enum(x, n); }
  void UChar(uint8_t x, const char* n) override { Enum(x, n); }
  void Short(int16_t x, const char* n) override { Enum(x, n); }
  void UShort(uint16_t x, const char* n) override { Enum(x, n); }
  void Int(int32_t x, const char* n) override { Enum(x, n); }
  void UInt(uint32_t x, const char* n) override { Enum(x, n); }
  void String(const flatbuffers::String* s) override {
    if (!Charge(s->size() + 4)) return;
    if (!IsValidUtf8(s->c_str(), s->size())) Fail("is not valid UTF-8 (or holds NUL)");
  }
  void Unknown(const uint8_t*) override { Fail("has an unknown type"); }

  const std::string& error() const { return error_; }

 private:
  void Enum(int64_t x, const char* name) {
    if (field_is_enum_ && name == nullptr) {
      Fail("value " + std::to_string(x) + " is out of its enum's range");
    }
  }
  void Fail(const std::string& what) {
    if (error_.empty()) error_ = "field '" + field_ + "' " + what;
  }
  bool Charge(size_t n) {
    budget_ -= static_cast<int64_t>(n);
    if (budget_ >= 0) return true;
    if (error_.empty()) {
      error_ = "shared offsets expand the record beyond its own size (at field '" +
               field_ + "')";
    }
    return false;
  }

  int64_t budget_;
  std::string field_;
  bool field_is_enum_ = false;
  std::string error_;
};

Status CheckMeaning(const uint8_t* buf, size_t size, const flatbuffers::TypeTable* tt,
                    std::string_view what) {
  MeaningChecker checker(size);
  flatbuffers::IterateFlatBuffer(buf, tt, &checker);
  if (!checker.error().empty()) {
    return DataLossError(std::string(what) + ": " + checker.error());
  }
  return Status::Ok();
}

// Ids are short: a long one is corrupt or hostile (and would be copied into
// every event of the command).
constexpr size_t kMaxIdBytes = 256;

Status NonEmpty(const flatbuffers::String* s, std::string_view what,
                std::string_view field) {
  if (s == nullptr || s->size() == 0) {
    return DataLossError(std::string(what) + ": required field '" +
                         std::string(field) + "' is empty");
  }
  if (s->size() > kMaxIdBytes) {
    return DataLossError(std::string(what) + ": field '" + std::string(field) + "' is " +
                         std::to_string(s->size()) + " bytes, over " +
                         std::to_string(kMaxIdBytes));
  }
  return Status::Ok();
}

Status ShortOrAbsent(const flatbuffers::String* s, std::string_view what,
                     std::string_view field) {
  if (s == nullptr || s->size() == 0) return Status::Ok();
  return NonEmpty(s, what, field);
}

// Times from year 1970 to 9999, in µs (so arithmetic on them cannot overflow).
constexpr int64_t kMaxTimeMicros = 253'402'300'800'000'000;

Status TimeInRange(int64_t us, std::string_view what, std::string_view field) {
  if (us < 0 || us >= kMaxTimeMicros) {
    return DataLossError(std::string(what) + ": field '" + std::string(field) + "' " +
                         std::to_string(us) + " is not a time in 1970..9999");
  }
  return Status::Ok();
}

// Records carry the schema version of their writer; 0 is never written.
Status SchemaVersionIn(uint16_t v, uint16_t max, std::string_view what) {
  if (v == 0 || v > max) {
    return DataLossError(std::string(what) + ": schema_version " + std::to_string(v) +
                         " is not in 1.." + std::to_string(max));
  }
  return Status::Ok();
}

// The per-root-type parts of the one decode function.
struct EventTraits {
  using Root = fb::EventEnvelope;
  using Native = fb::EventEnvelopeT;
  static constexpr const char* kWhat = "event record";
  static const char* Identifier() { return fb::EventEnvelopeIdentifier(); }
  static const flatbuffers::TypeTable* Table() {
    return fb::EventEnvelopeTypeTable();
  }
  static Status Check(const Root& r) {
    if (r.event_type() == fb::Event::NONE ||
        r.event_type() > fb::Event::MAX) {
      return DataLossError(std::string(kWhat) + ": event type " +
                           std::to_string(static_cast<int>(r.event_type())) +
                           " is unknown");
    }
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.event_id(), kWhat, "event_id"));
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.aggregate_id(), kWhat, "aggregate_id"));
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.command_id(), kWhat, "command_id"));
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.actor()->user_id(), kWhat, "actor.user_id"));
    DOCKET_RETURN_IF_ERROR(ShortOrAbsent(r.correlation_id(), kWhat, "correlation_id"));
    if (r.schema_version() >= 2) {
      DOCKET_RETURN_IF_ERROR(TimeInRange(r.occurred_at_us(), kWhat, "occurred_at_us"));
    } else if (r.occurred_at_ms() < 0 || r.occurred_at_ms() >= kMaxTimeMicros / 1000) {
      return DataLossError(std::string(kWhat) + ": field 'occurred_at_ms' " +
                           std::to_string(r.occurred_at_ms()) +
                           " is not a time in 1970..9999");
    }
    if (r.version() == 0) {
      return DataLossError(std::string(kWhat) + ": version is 0 (versions start at 1)");
    }
    return Status::Ok();
  }
  static Status Finish(Native* n) {
    return UpcastEvent(n).Annotate(kWhat);
  }
};

struct CommandTraits {
  using Root = fb::CommandEnvelope;
  using Native = fb::CommandEnvelopeT;
  static constexpr const char* kWhat = "command record";
  static const char* Identifier() { return fb::CommandEnvelopeIdentifier(); }
  static const flatbuffers::TypeTable* Table() {
    return fb::CommandEnvelopeTypeTable();
  }
  static Status Check(const Root& r) {
    if (r.command_type() == fb::Command::NONE ||
        r.command_type() > fb::Command::MAX) {
      return DataLossError(std::string(kWhat) + ": command type " +
                           std::to_string(static_cast<int>(r.command_type())) +
                           " is unknown");
    }
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.command_id(), kWhat, "command_id"));
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.actor()->user_id(), kWhat, "actor.user_id"));
    DOCKET_RETURN_IF_ERROR(ShortOrAbsent(r.aggregate_id(), kWhat, "aggregate_id"));
    DOCKET_RETURN_IF_ERROR(ShortOrAbsent(r.correlation_id(), kWhat, "correlation_id"));
    if (r.expected_version() < -1) {
      return DataLossError(std::string(kWhat) + ": expected_version " +
                           std::to_string(r.expected_version()) +
                           " is below -1");
    }
    DOCKET_RETURN_IF_ERROR(SchemaVersionIn(r.schema_version(), kCommandSchemaVersion, kWhat));
    return Status::Ok();
  }
  static Status Finish(Native*) { return Status::Ok(); }
};

struct ResultTraits {
  using Root = fb::CommandResult;
  using Native = fb::CommandResultT;
  static constexpr const char* kWhat = "command result record";
  static const char* Identifier() { return fb::CommandResultIdentifier(); }
  static const flatbuffers::TypeTable* Table() {
    return fb::CommandResultTypeTable();
  }
  static Status Check(const Root& r) {
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.command_id(), kWhat, "command_id"));
    DOCKET_RETURN_IF_ERROR(SchemaVersionIn(r.schema_version(), kResultSchemaVersion, kWhat));
    return Status::Ok();
  }
  static Status Finish(Native*) { return Status::Ok(); }
};

struct PortalSnapshotTraits {
  using Root = fb::PortalSnapshot;
  using Native = fb::PortalSnapshotT;
  static constexpr const char* kWhat = "portal snapshot";
  static const char* Identifier() { return fb::PortalSnapshotIdentifier(); }
  static const flatbuffers::TypeTable* Table() { return fb::PortalSnapshotTypeTable(); }
  static Status Check(const Root& r) {
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.aggregate_id(), kWhat, "aggregate_id"));
    DOCKET_RETURN_IF_ERROR(SchemaVersionIn(r.schema_version(), kSnapshotSchemaVersion, kWhat));
    return Status::Ok();
  }
  static Status Finish(Native*) { return Status::Ok(); }
};

struct SnapshotTraits {
  using Root = fb::CaseSnapshot;
  using Native = fb::CaseSnapshotT;
  static constexpr const char* kWhat = "case snapshot";
  static const char* Identifier() { return fb::CaseSnapshotIdentifier(); }
  static const flatbuffers::TypeTable* Table() { return fb::CaseSnapshotTypeTable(); }
  static Status Check(const Root& r) {
    DOCKET_RETURN_IF_ERROR(NonEmpty(r.case_number(), kWhat, "case_number"));
    DOCKET_RETURN_IF_ERROR(SchemaVersionIn(r.schema_version(), kSnapshotSchemaVersion, kWhat));
    return Status::Ok();
  }
  static Status Finish(Native*) { return Status::Ok(); }
};

// The one decode function (see codec.h for the steps).
template <typename Traits>
Result<typename Traits::Native> Decode(std::string_view bytes,
                                       const DecodeLimits& limits) {
  const std::string what = Traits::kWhat;
  if (bytes.size() < kMinBytes) {
    return DataLossError(what + ": " + std::to_string(bytes.size()) +
                         " bytes is shorter than the 8-byte minimum");
  }
  if (bytes.size() > limits.max_bytes) {
    return DataLossError(what + ": " + std::to_string(bytes.size()) +
                         " bytes is over the " +
                         std::to_string(limits.max_bytes) + "-byte limit");
  }
  // FlatBuffers needs aligned scalars; bytes from librdkafka or RocksDB may
  // start anywhere, so copy into 8-byte aligned storage when they do.
  std::unique_ptr<uint64_t[]> aligned;
  const uint8_t* buf = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(buf) % alignof(uint64_t) != 0) {
    aligned.reset(new uint64_t[(bytes.size() + 7) / 8]);
    std::memcpy(aligned.get(), bytes.data(), bytes.size());
    buf = reinterpret_cast<const uint8_t*>(aligned.get());
  }
  if (!flatbuffers::BufferHasIdentifier(buf, Traits::Identifier())) {
    return DataLossError(what + ": file identifier is '" +
                         Printable(bytes.substr(4, 4)) + "', expected '" +
                         Traits::Identifier() + "'");
  }
  flatbuffers::Verifier::Options opts;
  opts.max_depth = limits.max_depth;
  opts.max_tables = limits.max_tables;
  opts.check_alignment = true;
  flatbuffers::Verifier verifier(buf, bytes.size(), opts);
  if (!verifier.VerifyBuffer<typename Traits::Root>(Traits::Identifier())) {
    return DataLossError(what +
                         ": flatbuffers verifier rejected the buffer (an offset "
                         "out of bounds, a required field missing, a string "
                         "without terminator, or nesting/table limits exceeded)");
  }
  const auto* root = flatbuffers::GetRoot<typename Traits::Root>(buf);
  DOCKET_RETURN_IF_ERROR(Traits::Check(*root));
  DOCKET_RETURN_IF_ERROR(CheckMeaning(buf, bytes.size(), Traits::Table(), what));
  typename Traits::Native native;
  root->UnPackTo(&native);
  DOCKET_RETURN_IF_ERROR(Traits::Finish(&native));
  return native;
}

template <typename Native, typename PackFn>
std::string Encode(const Native& n, const char* identifier, PackFn pack) {
  flatbuffers::FlatBufferBuilder fbb(256);
  auto root = pack(fbb, &n, nullptr);
  fbb.Finish(root, identifier);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                     fbb.GetSize());
}

template <typename E>
std::string_view UnionName(E type, const char* const* names) {
  auto i = static_cast<size_t>(type);
  if (i == 0 || i > static_cast<size_t>(E::MAX)) return {};
  return names[i];
}

}  // namespace

Status DecodeLimits::Validate() const {
  if (max_bytes < kMinBytes || max_bytes >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return InvalidArgumentError("DecodeLimits.max_bytes must be in 8..2^31-1");
  }
  if (max_depth < 4) return InvalidArgumentError("DecodeLimits.max_depth must be >= 4");
  if (max_tables < 4) return InvalidArgumentError("DecodeLimits.max_tables must be >= 4");
  return Status::Ok();
}

std::string EncodeEvent(const fb::EventEnvelopeT& e) {
  return Encode(e, fb::EventEnvelopeIdentifier(), fb::EventEnvelope::Pack);
}

Result<fb::EventEnvelopeT> DecodeEvent(std::string_view bytes,
                                       const DecodeLimits& limits) {
  return Decode<EventTraits>(bytes, limits);
}

std::string_view EventTypeName(fb::Event type) {
  return UnionName(type, fb::EnumNamesEvent());
}

std::optional<fb::Event> EventTypeFromName(std::string_view name) {
  for (fb::Event t : AllEventTypes()) {
    if (EventTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::vector<fb::Event> AllEventTypes() {
  std::vector<fb::Event> out;
  for (int i = 1; i <= static_cast<int>(fb::Event::MAX); ++i) {
    out.push_back(static_cast<fb::Event>(i));
  }
  return out;
}

std::string EventPayloadJson(std::string_view bytes) {
  std::unique_ptr<uint64_t[]> aligned(new uint64_t[(bytes.size() + 7) / 8]);
  std::memcpy(aligned.get(), bytes.data(), bytes.size());
  const auto* root = flatbuffers::GetRoot<fb::EventEnvelope>(aligned.get());
  const auto type = root->event_type();
  const auto* tt = fb::EventTypeTable();
  const auto* payload_tt = tt->type_refs[tt->type_codes[static_cast<int>(type)]
                                             .sequence_ref]();
  flatbuffers::ToStringVisitor visitor(/*delimiter=*/"", /*quotes=*/true,
                                       /*indent=*/"", /*vdelimited=*/false);
  flatbuffers::IterateObject(reinterpret_cast<const uint8_t*>(root->event()),
                             payload_tt, &visitor);
  return visitor.s;
}

std::string EncodeCommand(const fb::CommandEnvelopeT& c) {
  return Encode(c, fb::CommandEnvelopeIdentifier(), fb::CommandEnvelope::Pack);
}

Result<fb::CommandEnvelopeT> DecodeCommand(std::string_view bytes,
                                           const DecodeLimits& limits) {
  return Decode<CommandTraits>(bytes, limits);
}

std::string_view CommandTypeName(fb::Command type) {
  return UnionName(type, fb::EnumNamesCommand());
}

std::string_view RoleName(fb::Role role) {
  switch (role) {
    case fb::Role::Customer: return "customer";
    case fb::Role::Staff: return "staff";
    case fb::Role::Admin: return "admin";
    case fb::Role::System: return "system";
  }
  return "unknown";
}

std::vector<fb::Command> AllCommandTypes() {
  std::vector<fb::Command> out;
  for (int i = 1; i <= static_cast<int>(fb::Command::MAX); ++i) {
    out.push_back(static_cast<fb::Command>(i));
  }
  return out;
}

std::string EncodeCommandResult(const fb::CommandResultT& r) {
  return Encode(r, fb::CommandResultIdentifier(), fb::CommandResult::Pack);
}

Result<fb::CommandResultT> DecodeCommandResult(std::string_view bytes,
                                               const DecodeLimits& limits) {
  return Decode<ResultTraits>(bytes, limits);
}

std::string EncodePortalSnapshot(const fb::PortalSnapshotT& s) {
  return Encode(s, fb::PortalSnapshotIdentifier(), fb::PortalSnapshot::Pack);
}

Result<fb::PortalSnapshotT> DecodePortalSnapshot(std::string_view bytes,
                                                 const DecodeLimits& limits) {
  return Decode<PortalSnapshotTraits>(bytes, limits);
}

std::string EncodeCaseSnapshot(const fb::CaseSnapshotT& s) {
  return Encode(s, fb::CaseSnapshotIdentifier(), fb::CaseSnapshot::Pack);
}

Result<fb::CaseSnapshotT> DecodeCaseSnapshot(std::string_view bytes,
                                             const DecodeLimits& limits) {
  return Decode<SnapshotTraits>(bytes, limits);
}

}  // namespace docket::events

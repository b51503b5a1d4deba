#include "events/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <set>

#include "events/testdata.h"

namespace docket::events {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(CodecTest, EveryEventTypeRoundTripsFieldByField) {
  std::set<fb::Event> seen;
  auto samples = testdata::SampleEvents();
  for (auto& e : testdata::SamplePortalEvents()) samples.push_back(std::move(e));
  for (const fb::EventEnvelopeT& e : samples) {
    SCOPED_TRACE(std::string(EventTypeName(e.event.type)));
    seen.insert(e.event.type);
    const std::string bytes = EncodeEvent(e);
    // The sample sets every field of the envelope and payload, so the
    // comparison below covers the whole schema.
    EXPECT_THAT(testdata::AbsentFields(bytes, fb::EventEnvelopeTypeTable()),
                IsEmpty());
    Result<fb::EventEnvelopeT> decoded = DecodeEvent(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, e);  // generated operator==: every field
    EXPECT_EQ(decoded->event.type, e.event.type);
    EXPECT_EQ(decoded->version, e.version);
    EXPECT_EQ(decoded->actor->account_ids, e.actor->account_ids);
  }
  const auto all = AllEventTypes();
  EXPECT_EQ(seen, std::set<fb::Event>(all.begin(), all.end()));
  EXPECT_EQ(all.size(), 52u);
}

TEST(CodecTest, EveryCommandTypeRoundTripsFieldByField) {
  std::set<fb::Command> seen;
  for (const fb::CommandEnvelopeT& c : testdata::SampleCommands()) {
    SCOPED_TRACE(std::string(CommandTypeName(c.command.type)));
    seen.insert(c.command.type);
    const std::string bytes = EncodeCommand(c);
    EXPECT_THAT(testdata::AbsentFields(bytes, fb::CommandEnvelopeTypeTable()),
                IsEmpty());
    Result<fb::CommandEnvelopeT> decoded = DecodeCommand(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, c);
  }
  const auto all = AllCommandTypes();
  EXPECT_EQ(seen, std::set<fb::Command>(all.begin(), all.end()));
}

TEST(CodecTest, CommandResultRoundTripsFieldByField) {
  const fb::CommandResultT r = testdata::SampleResult();
  const std::string bytes = EncodeCommandResult(r);
  EXPECT_THAT(testdata::AbsentFields(bytes, fb::CommandResultTypeTable()), IsEmpty());
  Result<fb::CommandResultT> decoded = DecodeCommandResult(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, r);
}

TEST(CodecTest, DecodesFromUnalignedMemory) {
  const std::string bytes = EncodeEvent(testdata::SampleEvents()[0]);
  std::string shifted = "x" + bytes;
  Result<fb::EventEnvelopeT> d =
      DecodeEvent(std::string_view(shifted).substr(1));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, testdata::SampleEvents()[0]);
}

void ExpectDataLoss(const Status& s, const std::string& fragment) {
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr(fragment));
}

TEST(CodecTest, RejectsTooShortAndTooLong) {
  ExpectDataLoss(DecodeEvent("").status(), "shorter than the 8-byte minimum");
  ExpectDataLoss(DecodeEvent("1234567").status(), "7 bytes");
  const std::string bytes = EncodeEvent(testdata::SampleEvents()[0]);
  DecodeLimits tight;
  tight.max_bytes = 64;
  ExpectDataLoss(DecodeEvent(bytes, tight).status(), "over the 64-byte limit");
}

TEST(CodecTest, RejectsWrongFileIdentifier) {
  const std::string command = EncodeCommand(testdata::SampleCommands()[0]);
  ExpectDataLoss(DecodeEvent(command).status(),
                 "file identifier is 'DKCM', expected 'DKEV'");
  ExpectDataLoss(DecodeCommand(EncodeEvent(testdata::SampleEvents()[0])).status(),
                 "expected 'DKCM'");
}

TEST(CodecTest, RejectsTruncatedBuffersViaVerifier) {
  const std::string bytes = EncodeEvent(testdata::SampleEvents()[0]);
  ExpectDataLoss(DecodeEvent(bytes.substr(0, bytes.size() / 2)).status(),
                 "verifier rejected");
}

// Builds an envelope by hand so that a test can put any value in any field.
struct RawEnvelope {
  std::string event_id = "c/0", aggregate_id = "CS00000000006",
              command_id = "c", user_id = "u1";
  uint64_t version = 1;
  uint16_t schema_version = kEventSchemaVersion;
  uint8_t role = 0;
  uint8_t event_type = static_cast<uint8_t>(fb::Event::CommentAdded);
  std::string body = "hello";
  int64_t occurred_at_us = 1'795'000'000'000'000;

  std::string Build() const {
    flatbuffers::FlatBufferBuilder fbb;
    auto actor = fb::CreateActorDirect(fbb, user_id.c_str(),
                                       static_cast<fb::Role>(role));
    auto payload = fb::CreateCommentAdded(fbb, fbb.CreateString("c1"), fbb.CreateString(body));
    auto env = fb::CreateEventEnvelopeDirect(
        fbb, event_id.c_str(), aggregate_id.c_str(), version, 0, actor,
        command_id.c_str(), nullptr, schema_version,
        static_cast<fb::Event>(event_type), payload.Union(), occurred_at_us);
    fbb.Finish(env, fb::EventEnvelopeIdentifier());
    return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                       fbb.GetSize());
  }
};

TEST(CodecTest, RawEnvelopeIsValidAsBuilt) {
  Result<fb::EventEnvelopeT> d = DecodeEvent(RawEnvelope{}.Build());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->event.AsCommentAdded()->body, "hello");
}

TEST(CodecTest, RejectsUnknownUnionType) {
  RawEnvelope r;
  r.event_type = 200;
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "event type 200 is unknown");
  r.event_type = 0;
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "event type 0 is unknown");
}

TEST(CodecTest, RejectsUnionTypeThatDoesNotMatchPayload) {
  RawEnvelope r;
  // The payload is a CommentAdded; read as CaseOpened its required fields
  // are missing, which the verifier catches.
  r.event_type = static_cast<uint8_t>(fb::Event::CaseOpened);
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "verifier rejected");
}

TEST(CodecTest, RejectsEnumOutOfRange) {
  RawEnvelope r;
  r.role = 9;
  ExpectDataLoss(DecodeEvent(r.Build()).status(),
                 "field 'role' value 9 is out of its enum's range");
}

TEST(CodecTest, RejectsInvalidUtf8) {
  RawEnvelope r;
  r.body = "caf\xc3";  // truncated two-byte sequence
  ExpectDataLoss(DecodeEvent(r.Build()).status(),
                 "field 'body' is not valid UTF-8");
  r.body = "\xed\xa0\x80";  // a UTF-16 surrogate encoded in UTF-8
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "not valid UTF-8");
}

TEST(CodecTest, RejectsEmptyIdsAndVersionZero) {
  RawEnvelope r;
  r.aggregate_id = "";
  ExpectDataLoss(DecodeEvent(r.Build()).status(),
                 "required field 'aggregate_id' is empty");
  r = RawEnvelope{};
  r.user_id = "";
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "'actor.user_id' is empty");
  r = RawEnvelope{};
  r.version = 0;
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "version is 0");
}

TEST(CodecTest, RejectsUnknownSchemaVersions) {
  RawEnvelope r;
  r.schema_version = 0;
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "schema_version 0 is not in 1..2");
  r.schema_version = kEventSchemaVersion + 1;
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "schema_version 3");
}

TEST(CodecTest, RejectsSharedOffsetsThatExpandTheRecord) {
  // Many account_ids entries pointing at one large string: the verifier
  // accepts shared offsets, so a 40 KB record would unpack into ~160 MB.
  flatbuffers::FlatBufferBuilder fbb;
  auto big = fbb.CreateString(std::string(16 * 1024, 'x'));
  std::vector<flatbuffers::Offset<flatbuffers::String>> refs(10'000, big);
  auto accounts = fbb.CreateVector(refs);
  auto user = fbb.CreateString("u1");
  fb::ActorBuilder ab(fbb);
  ab.add_user_id(user);
  ab.add_account_ids(accounts);
  auto actor = ab.Finish();
  auto payload = fb::CreateCommentAddedDirect(fbb, "c1", "hi");
  auto env = fb::CreateEventEnvelopeDirect(fbb, "c/0", "CS00000000006", 1, 0, actor, "c",
                                           nullptr, kEventSchemaVersion,
                                           fb::Event::CommentAdded, payload.Union(), 1);
  fbb.Finish(env, fb::EventEnvelopeIdentifier());
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  ASSERT_LT(bytes.size(), 100'000u);
  ExpectDataLoss(DecodeEvent(bytes).status(), "expand the record beyond its own size");
}

TEST(CodecTest, RejectsOverlongIdsNulAndTimesOutOfRange) {
  RawEnvelope r;
  r.command_id = std::string(257, 'c');
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "'command_id' is 257 bytes, over 256");
  r = RawEnvelope{};
  r.body = std::string("a\0b", 3);
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "holds NUL");
  r = RawEnvelope{};
  r.occurred_at_us = -5;
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "not a time in 1970..9999");
  r.occurred_at_us = std::numeric_limits<int64_t>::max();
  ExpectDataLoss(DecodeEvent(r.Build()).status(), "not a time in 1970..9999");
}

TEST(CodecTest, EventTypeNamesRoundTrip) {
  for (fb::Event t : AllEventTypes()) {
    ASSERT_FALSE(EventTypeName(t).empty());
    EXPECT_EQ(EventTypeFromName(EventTypeName(t)), t);
  }
  EXPECT_EQ(EventTypeName(fb::Event::CaseOpened), "CaseOpened");
  EXPECT_EQ(EventTypeName(fb::Event::NONE), "");
  EXPECT_EQ(EventTypeFromName("NoSuchEvent"), std::nullopt);
  EXPECT_EQ(CommandTypeName(fb::Command::ReopenCase), "ReopenCase");
}

TEST(CodecTest, PayloadJsonHasTheSchemaFieldNames) {
  const fb::EventEnvelopeT e = testdata::SampleEvents()[0];
  const std::string bytes = EncodeEvent(e);
  ASSERT_TRUE(DecodeEvent(bytes).ok());
  nlohmann::json j = nlohmann::json::parse(EventPayloadJson(bytes));
  const auto* p = e.event.AsCaseOpened();
  EXPECT_EQ(j["case_number"], p->case_number);
  EXPECT_EQ(j["description"], p->description);  // non-ASCII survives
  EXPECT_EQ(j["catalog_version"], 3);
  EXPECT_EQ(j["fields"][0]["key"], "circuit_id");

  const fb::EventEnvelopeT closed = testdata::SampleEvents()[13];
  ASSERT_EQ(closed.event.type, fb::Event::CaseClosed);
  nlohmann::json c = nlohmann::json::parse(EventPayloadJson(EncodeEvent(closed)));
  EXPECT_EQ(c["reason"], "AutoClose");
}

}  // namespace
}  // namespace docket::events

// Txn: the batch a projection writes through (projections/read_store.h).
#include "projections/read_store.h"

namespace docket::projections {

Txn::Txn(const ReadStore* store) : store_(store) {}
Txn::~Txn() = default;

const std::string& Txn::FullKey(Family cf, std::string_view key) const {
  key_.assign(1, static_cast<char>(cf.index()));
  key_.append(key);
  return key_;
}

Result<std::optional<std::string>> Txn::Get(Family cf, std::string_view key) const {
  auto it = overlay_.find(FullKey(cf, key));
  if (it != overlay_.end()) return it->second;
  if (under_ != nullptr) {
    auto under = under_->overlay_.find(key_);
    if (under != under_->overlay_.end()) return under->second;
  }
  return store_->Get(cf, key);
}

// Each write looks its key up once; the key is copied only into a new
// entry, and into the undo log only while a save point is open.
void Txn::Write(Family cf, std::string_view key, std::optional<std::string_view> value) {
  const std::string& full = FullKey(cf, key);
  bytes_ += full.size() + (value ? value->size() : 0);
  auto [it, inserted] = overlay_.try_emplace(full);
  if (!save_points_.empty()) {
    Undo u{.kind = Undo::Kind::kWrite, .key = full, .had = !inserted};
    // The entry is overwritten below: its value moves into the undo log.
    if (!inserted) u.previous = std::move(it->second);
    undo_.push_back(std::move(u));
  }
  if (value) {
    it->second.emplace(*value);
  } else {
    it->second.reset();
  }
}

void Txn::Put(Family cf, std::string_view key, std::string_view value) { Write(cf, key, value); }

void Txn::Delete(Family cf, std::string_view key) { Write(cf, key, std::nullopt); }

void Txn::Merge(Family cf, std::string_view key, int64_t delta) {
  const std::string& full = FullKey(cf, key);
  bytes_ += full.size() + 8;
  merges_[full] += delta;
  if (!save_points_.empty()) {
    undo_.push_back({.kind = Undo::Kind::kMerge, .key = full, .merge_delta = delta});
  }
}

void Txn::SetBit(Family cf, std::string_view key, uint32_t id, bool on) {
  const std::string& full = FullKey(cf, key);
  bytes_ += full.size() + 4;
  BitEdits& e = bits_[full];
  // The checked edits tell what the id was (added, removed or untouched:
  // the two sets are disjoint) without looking it up again for the undo log.
  int8_t was = 0;
  if (on) {
    const bool was_removed = e.remove.removeChecked(id);
    const bool newly_added = e.add.addChecked(id);
    was = !newly_added ? 1 : was_removed ? -1 : 0;
  } else {
    const bool was_added = e.add.removeChecked(id);
    const bool newly_removed = e.remove.addChecked(id);
    was = was_added ? 1 : !newly_removed ? -1 : 0;
  }
  if (!save_points_.empty()) {
    undo_.push_back({.kind = Undo::Kind::kBit, .key = full, .bit = id, .bit_was = was});
  }
}

void Txn::SetSavePoint() {
  save_points_.push_back(undo_.size());
}

void Txn::RollbackToSavePoint() {
  if (save_points_.empty()) return;
  const size_t mark = save_points_.back();
  save_points_.pop_back();
  while (undo_.size() > mark) {
    Undo& u = undo_.back();
    if (u.kind == Undo::Kind::kMerge) {
      auto it = merges_.find(u.key);
      if (it != merges_.end()) {
        it->second -= u.merge_delta;
        if (it->second == 0) merges_.erase(it);
      }
    } else if (u.kind == Undo::Kind::kBit) {
      BitEdits& e = bits_[u.key];
      e.add.remove(u.bit);
      e.remove.remove(u.bit);
      if (u.bit_was > 0) e.add.add(u.bit);
      if (u.bit_was < 0) e.remove.add(u.bit);
    } else if (u.had) {
      overlay_[u.key] = std::move(u.previous);
    } else {
      overlay_.erase(u.key);
    }
    undo_.pop_back();
  }
}

void Txn::PopSavePoint() {
  if (save_points_.empty()) return;
  save_points_.pop_back();
  if (save_points_.empty()) undo_.clear();
}

size_t Txn::count() const { return overlay_.size() + merges_.size() + bits_.size(); }

void Txn::Clear() {
  overlay_.clear();
  merges_.clear();
  bits_.clear();
  undo_.clear();
  save_points_.clear();
  bytes_ = 0;
}


}  // namespace docket::projections

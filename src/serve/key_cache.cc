#include "serve/key_cache.h"

namespace fheq::serve {

std::shared_ptr<const Server> KeyCache::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->server;
}

void KeyCache::insert(const std::string& id, std::shared_ptr<const Server> server, double bytes) {
  std::lock_guard lock(mutex_);
  if (const auto it = by_id_.find(id); it != by_id_.end()) {  // two uploads of the same keys raced: keep one
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.push_front(Entry{id, std::move(server), bytes});
  by_id_[id] = order_.begin();
  total_bytes_ += bytes;
  while (total_bytes_ > cap_bytes_ && order_.size() > 1) {
    total_bytes_ -= order_.back().bytes;
    by_id_.erase(order_.back().id);
    order_.pop_back();
  }
}

size_t KeyCache::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

double KeyCache::bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

}  // namespace fheq::serve

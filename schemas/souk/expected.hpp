#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace souk {

/// Wraps an error so that `expected<T, E>` can be built from it unambiguously.
template <class E>
struct unexpected {
  E error;
};

template <class E>
unexpected<E> make_unexpected(E error) {
  return unexpected<E>{std::move(error)};
}

/// A value or the error that prevented it: how errors cross layer boundaries in souk
/// (C++17 has no std::expected; CAF's is kept out of the core and persistence).
/// Invariant: holds exactly one of the two. Reading the absent one is a bug (asserted).
template <class T, class E>
class [[nodiscard]] expected {
 public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  expected(unexpected<E> failure)
      : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const {
    assert(!has_value());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, E> state_;
};

}  // namespace souk

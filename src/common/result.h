#pragma once
// Errors as values. A function that can fail returns Result<T> (or Status when there is no
// value); callers must look at it ([[nodiscard]]). No exceptions cross module boundaries.
//
//   Result<Block> r = decode_block(bytes);
//   if (!r) return r.error();           // propagate
//   use(*r);

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace klyn {

// A failure with a stable machine-readable code (snake_case, e.g. "bad_signature") and a
// human-readable reason. The code is what the API returns as "error", the reason as "reason".
struct Error {
  std::string code;
  std::string reason;

  Error() = default;
  Error(std::string c, std::string r) : code(std::move(c)), reason(std::move(r)) {}

  std::string to_string() const { return reason.empty() ? code : code + ": " + reason; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status success() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(std::string code, std::string reason) {
  return Error(std::move(code), std::move(reason));
}

}  // namespace klyn

// Propagate a failed Result/Status from the enclosing function.
#define KLYN_TRY(expr)                            \
  do {                                            \
    auto&& klyn_try_r_ = (expr);                  \
    if (!klyn_try_r_) return klyn_try_r_.error(); \
  } while (0)

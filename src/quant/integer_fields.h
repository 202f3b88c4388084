// Compile-time proof that a type holds integers only (no float, double or long double anywhere inside).
//
// Each aggregate declares `static constexpr int kFieldCount`; field_tuple<T> unpacks an object with a
// structured binding of exactly that many names, which does not compile if the count is wrong, so the
// declared count can not go stale. is_integer_only<T> then recurses through every field, std::vector,
// std::variant and nested aggregate. Strings are allowed (names), as are enums over integer types.
#pragma once

#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

namespace fheq::quant::fields {

template <typename T>
concept Reflectable = requires { T::kFieldCount; };

// Returns a tuple of references to the fields of `value`, via a structured binding of kFieldCount names.
template <Reflectable T>
constexpr auto field_tuple(T& value) {
  constexpr int n = T::kFieldCount;
  static_assert(n >= 1 && n <= 14, "extend field_tuple for this field count");
  if constexpr (n == 1) { auto& [a] = value; return std::tie(a); }
  else if constexpr (n == 2) { auto& [a, b] = value; return std::tie(a, b); }
  else if constexpr (n == 3) { auto& [a, b, c] = value; return std::tie(a, b, c); }
  else if constexpr (n == 4) { auto& [a, b, c, d] = value; return std::tie(a, b, c, d); }
  else if constexpr (n == 5) { auto& [a, b, c, d, e] = value; return std::tie(a, b, c, d, e); }
  else if constexpr (n == 6) { auto& [a, b, c, d, e, f] = value; return std::tie(a, b, c, d, e, f); }
  else if constexpr (n == 7) { auto& [a, b, c, d, e, f, g] = value; return std::tie(a, b, c, d, e, f, g); }
  else if constexpr (n == 8) { auto& [a, b, c, d, e, f, g, h] = value; return std::tie(a, b, c, d, e, f, g, h); }
  else if constexpr (n == 9) { auto& [a, b, c, d, e, f, g, h, i] = value; return std::tie(a, b, c, d, e, f, g, h, i); }
  else if constexpr (n == 10) { auto& [a, b, c, d, e, f, g, h, i, j] = value; return std::tie(a, b, c, d, e, f, g, h, i, j); }
  else if constexpr (n == 11) { auto& [a, b, c, d, e, f, g, h, i, j, k] = value; return std::tie(a, b, c, d, e, f, g, h, i, j, k); }
  else if constexpr (n == 12) { auto& [a, b, c, d, e, f, g, h, i, j, k, l] = value; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l); }
  else if constexpr (n == 13) { auto& [a, b, c, d, e, f, g, h, i, j, k, l, m] = value; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m); }
  else { auto& [a, b, c, d, e, f, g, h, i, j, k, l, m, o] = value; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m, o); }
}

template <typename T>
struct IntegerOnly;

template <typename T>
inline constexpr bool is_integer_only = IntegerOnly<std::remove_cvref_t<T>>::value;

template <typename Tuple>
struct AllFieldsIntegerOnly;
template <typename... F>
struct AllFieldsIntegerOnly<std::tuple<F...>> : std::bool_constant<(is_integer_only<F> && ...)> {};

template <typename T>
struct IntegerOnly {
  static constexpr bool compute() {
    if constexpr (std::is_floating_point_v<T>) {
      return false;
    } else if constexpr (std::is_integral_v<T>) {
      return true;
    } else if constexpr (std::is_enum_v<T>) {
      return std::is_integral_v<std::underlying_type_t<T>>;
    } else if constexpr (std::is_same_v<T, std::string>) {
      return true;
    } else if constexpr (Reflectable<T>) {
      return AllFieldsIntegerOnly<decltype(field_tuple(std::declval<T&>()))>::value;
    } else {
      return false;  // anything we can not see inside (pointers, std::function, unknown classes) is refused
    }
  }
  static constexpr bool value = compute();
};

template <typename E, typename A>
struct IntegerOnly<std::vector<E, A>> : std::bool_constant<is_integer_only<E>> {};
template <typename... Alternatives>
struct IntegerOnly<std::variant<Alternatives...>> : std::bool_constant<(is_integer_only<Alternatives> && ...)> {};

}  // namespace fheq::quant::fields

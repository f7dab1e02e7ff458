#pragma once
// SecretBytes holds key material, passwords and tokens: it is wiped when freed or moved from,
// compares in constant time, and has no operator<< so it cannot be printed by accident.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "common/bytes.h"

namespace signet {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);  // zero-filled
  explicit SecretBytes(ByteView data);
  static SecretBytes FromString(std::string_view s) { return SecretBytes(AsBytes(s)); }

  SecretBytes(const SecretBytes& other);
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return ByteView(data_.get(), size_); }
  // For APIs that take text (passwords). The view dies with this object.
  std::string_view string_view() const {
    return std::string_view(reinterpret_cast<const char*>(data_.get()), size_);
  }

  // Constant-time in the contents.
  bool Equals(ByteView other) const { return ConstantTimeEquals(view(), other); }
  bool operator==(const SecretBytes& other) const { return Equals(other.view()); }

 private:
  void Release();

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

}  // namespace signet

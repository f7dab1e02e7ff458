#include "common/secret_bytes.h"

#include <cstring>
#include <memory>

namespace signet {

bool ConstantTimeEquals(ByteView a, ByteView b) {
  // Lengths are not secret; contents are.
  if (a.size() != b.size()) return false;
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = diff | (a[i] ^ b[i]);
  return diff == 0;
}

void SecureWipe(void* data, std::size_t size) {
  if (data == nullptr || size == 0) return;
  explicit_bzero(data, size);
}

SecretBytes::SecretBytes(std::size_t size)
    : data_(std::make_unique<std::uint8_t[]>(size)), size_(size) {}

SecretBytes::SecretBytes(ByteView data) : SecretBytes(data.size()) {
  if (!data.empty()) std::memcpy(data_.get(), data.data(), data.size());
}

SecretBytes::SecretBytes(const SecretBytes& other) : SecretBytes(other.view()) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    SecretBytes copy(other);
    *this = std::move(copy);
  }
  return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { Release(); }

void SecretBytes::Release() {
  SecureWipe(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace signet

// PEM and DER certificates (crypto/x509.h): Certificate::FromPem/FromDer, the inspection a
// signer's certificate goes through (Info, PublicKey, ToPem, ToDer), chains
// (ParseCertificateChainPem, OrderChain). Input: the bytes, tried as PEM and as DER.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/x509.h"
#include "fuzz_util.h"

using signet::fuzz::Check;
namespace crypto = signet::crypto;

namespace {

void Inspect(const crypto::Certificate& cert) {
  (void)cert.Info();
  (void)cert.PublicKey();
  (void)cert.ToPem();
  auto der = cert.ToDer();
  Check(der.has_value(), "a parsed certificate has a DER encoding");
  auto again = crypto::Certificate::FromDer(*der);
  Check(again.has_value(), "a certificate's own DER parses");
  auto der2 = again->ToDer();
  Check(der2 && *der2 == *der, "DER round trip is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cert = crypto::Certificate::FromDer(signet::ByteView(data, size))) Inspect(*cert);
  if (auto cert = crypto::Certificate::FromPem(text)) Inspect(*cert);
  if (auto chain = crypto::ParseCertificateChainPem(text); chain && !chain->empty()) {
    for (const auto& c : *chain) (void)c.Info();
    std::vector<crypto::Certificate> others;
    for (std::size_t i = 1; i < chain->size(); ++i) others.push_back((*chain)[i].Clone());
    (void)crypto::OrderChain((*chain)[0], std::move(others));
  }
  return 0;
}

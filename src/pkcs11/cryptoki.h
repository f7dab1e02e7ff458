#pragma once
// The Cryptoki 2.40 declarations (types, constants, CK_FUNCTION_LIST) come from p11-kit's
// <p11-kit/pkcs11.h> (Debian libp11-kit-dev), in its PKCS#11 compatibility spelling
// (CK_RV, CKM_..., struct members named as in the OASIS headers). Only the header is used;
// the module does not link p11-kit.

#include <p11-kit/pkcs11.h>

#include <tl/expected.hpp>

namespace signet::pkcs11 {

// A value or the CK_RV that a C_* function returns instead.
template <class T>
using CkResult = tl::expected<T, CK_RV>;

inline tl::unexpected<CK_RV> CkError(CK_RV rv) { return tl::unexpected<CK_RV>(rv); }

}  // namespace signet::pkcs11

#pragma once
// The use cases of signetd (SPEC §3–§6), each with its transaction boundary: a use case that
// changes state writes its rows and its audit event in one write transaction, so either both
// are durable or neither. Authorization (SPEC §2 roles) is checked here, not in handlers.
// Thread-safe: handlers on the worker pool call it concurrently.
//
// One header per family of use cases, each a class over the shared Context
// (service/context.h): admin.h (start-up, login, users, identities, projects, audit),
// mfa.h, oidc.h, pki.h, signers.h, signing.h (the sign path), policies.h (policies,
// requests, grants), tsa.h, notifications.h, read_model.h. Service is all of them.

#include "service/admin.h"
#include "service/mfa.h"
#include "service/notifications.h"
#include "service/oidc.h"
#include "service/pki.h"
#include "service/policies.h"
#include "service/read_model.h"
#include "service/signers.h"
#include "service/signing.h"
#include "service/tsa.h"

namespace signet::service {

class Service final : public AdminUseCases,
                      public MfaUseCases,
                      public OidcUseCases,
                      public PkiUseCases,
                      public SignerUseCases,
                      public SigningUseCases,
                      public PolicyUseCases,
                      public TsaUseCases,
                      public NotificationUseCases,
                      public ReadModelUseCases {
 public:
  explicit Service(Deps deps)
      : Context(deps),
        AdminUseCases(deps),
        MfaUseCases(deps),
        OidcUseCases(deps),
        PkiUseCases(deps),
        SignerUseCases(deps),
        SigningUseCases(deps),
        PolicyUseCases(deps),
        TsaUseCases(deps),
        NotificationUseCases(deps),
        ReadModelUseCases(deps) {}
};

}  // namespace signet::service

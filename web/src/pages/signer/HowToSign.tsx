// Copy-paste commands for this signer and this server.
import { CopyButton } from '../../components/widgets';
import { Notice } from '../../components/feedback';
import { Link } from '../../components/Link';
import { buildSnippets } from '../../lib/snippets';
import type { SignerContext } from '../Signer';

export function HowToSignTab({ ctx }: { ctx: SignerContext }) {
  const { signer, certificate } = ctx;
  const snippets = buildSnippets({
    serverUrl: location.origin,
    signerId: signer.id,
    signerName: signer.name,
    keyAlgorithm: certificate?.keyAlgorithm ?? 'EC_prime256v1',
  });
  return (
    <div class="card">
      <div class="card-body">
        {signer.signingPolicyId && (
          <Notice kind="info">
            This signer has a signing policy: get an approved request first (<Link href={`/signers/${signer.id}/approvals`}>Approvals</Link>),
            or use a machine identity if the policy lets them sign without approval.
          </Notice>
        )}
        <p class="muted">
          The signer's key stays on this server; these tools send a digest and get a signature back. See docs/cli.md and docs/pkcs11.md for
          more.
        </p>
        {snippets.map((s) => (
          <div class="snippet" key={s.id}>
            <div class="snippet-head">
              <h3 id={`snippet-${s.id}`}>{s.title}</h3>
              <CopyButton text={s.code} label={`Copy`} />
            </div>
            <p class="muted small">{s.description}</p>
            <pre aria-labelledby={`snippet-${s.id}`} tabIndex={0}>
              <code>{s.code}</code>
            </pre>
          </div>
        ))}
      </div>
    </div>
  );
}

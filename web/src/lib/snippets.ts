// "How to sign": copy-paste commands filled in with this server's URL and this signer
// (docs/cli.md, docs/pkcs11.md). Pure functions so they are unit-tested.

export interface SnippetInput {
  serverUrl: string; // e.g. "https://signet.example.com" (the console's own origin)
  signerId: string;
  signerName: string;
  keyAlgorithm: string; // the certificate's: RSA_3072, EC_prime256v1, ...
  projectId?: string;
}

export interface Snippet {
  id: string;
  title: string;
  description: string;
  language: 'sh' | 'json' | 'ini';
  code: string;
}

// The default algorithm for the key, and the matching names for each tool.
export function algorithmsFor(keyAlgorithm: string) {
  const rsa = keyAlgorithm.startsWith('RSA');
  const hash = keyAlgorithm === 'EC_secp384r1' ? '384' : keyAlgorithm === 'EC_secp521r1' ? '512' : '256';
  return rsa
    ? { api: 'RSASSA_PKCS1_V1_5_SHA256', pkcs11: 'SHA256-RSA-PKCS', java: 'SHA256withRSA', hash: '256' }
    : { api: `ECDSA_SHA${hash}`, pkcs11: `ECDSA-SHA${hash}`, java: `SHA${hash}withECDSA`, hash };
}

function q(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function buildSnippets(input: SnippetInput): Snippet[] {
  const { serverUrl, signerId, signerName } = input;
  const alg = algorithmsFor(input.keyAlgorithm);
  const name = q(signerName);
  const module = '/usr/lib/signet/libsignet-pkcs11.so';
  const pkcs11Json = JSON.stringify(
    {
      serverUrl,
      clientId: '<machine identity client id>',
      clientSecret: '<client secret>',
      ...(input.projectId ? { projectId: input.projectId } : {}),
    },
    null,
    2,
  );
  return [
    {
      id: 'curl',
      title: 'curl (HTTP API)',
      description: 'Hash locally, send only the digest, verify with OpenSSL.',
      language: 'sh',
      code: [
        `S=${serverUrl}`,
        `TOKEN=$(curl -s $S/api/v1/auth/login -H 'Content-Type: application/json' \\`,
        `  -d '{"email":"you@example.com","password":"…"}' | jq -r .accessToken)`,
        `openssl dgst -sha${alg.hash} -binary app.bin > app.digest`,
        `curl -s $S/api/v1/pki/signers/${signerId}/sign -H "Authorization: Bearer $TOKEN" \\`,
        `  -H 'Content-Type: application/json' \\`,
        `  -d "{\\"data\\":\\"$(base64 -w0 app.digest)\\",\\"signingAlgorithm\\":\\"${alg.api}\\",\\"isDigest\\":true}" \\`,
        `  | jq -r .signature | base64 -d > app.sig`,
        `curl -s $S/api/v1/pki/signers/${signerId}/certificate -H "Authorization: Bearer $TOKEN" \\`,
        `  | jq -r .certificatePem > signer.pem`,
        `openssl x509 -in signer.pem -pubkey -noout > signer.pub`,
        `openssl dgst -sha${alg.hash} -verify signer.pub -signature app.sig app.bin`,
      ].join('\n'),
    },
    {
      id: 'cli',
      title: 'signet CLI',
      description: 'The file is hashed on your machine; only the digest travels.',
      language: 'sh',
      code: [
        `signet login --server ${serverUrl} --email you@example.com --password-stdin`,
        `signet sign --signer ${name} --algorithm ${alg.api} --in app.bin --out app.bin.sig`,
        `signet verify --signer ${name} --in app.bin --sig app.bin.sig`,
        `# With a signing policy, ask for access first:`,
        `signet request --signer ${name} --signings 1 --duration 1h --justification "release 1.2.3"`,
      ].join('\n'),
    },
    {
      id: 'pkcs11-config',
      title: 'PKCS#11 module configuration',
      description:
        'Save as /etc/signet/pkcs11.json (mode 0600) or point SIGNET_PKCS11_CONFIG at it. Use a machine identity that is an operator of this signer.',
      language: 'json',
      code: pkcs11Json,
    },
    {
      id: 'pkcs11-tool',
      title: 'pkcs11-tool (OpenSC)',
      description: 'The token label is the signer name.',
      language: 'sh',
      code: [
        `M=${module}`,
        `pkcs11-tool --module "$M" --token-label ${name} --sign -m ${alg.pkcs11} \\`,
        `  ${alg.api.startsWith('ECDSA') ? '--signature-format openssl ' : ''}-i app.bin -o app.bin.sig`,
        `pkcs11-tool --module "$M" --token-label ${name} --read-object --type cert --label ${name} -o cert.der`,
        `openssl x509 -inform DER -in cert.der -pubkey -noout > pub.pem`,
        `openssl dgst -sha${alg.hash} -verify pub.pem -signature app.bin.sig app.bin`,
      ].join('\n'),
    },
    {
      id: 'osslsigncode',
      title: 'osslsigncode (Authenticode)',
      description: 'Pass the issuing CA with -ac so the signature carries the chain.',
      language: 'sh',
      code: [
        `M=${module}`,
        `osslsigncode sign -pkcs11engine /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so -pkcs11module "$M" \\`,
        `  -pkcs11cert 'pkcs11:token=${signerName};object=${signerName};type=cert' \\`,
        `  -key 'pkcs11:token=${signerName};object=${signerName};type=private' -ac issuing-ca.pem \\`,
        `  -h sha256 -n "My App" -in app.exe -out app-signed.exe`,
      ].join('\n'),
    },
    {
      id: 'jarsigner',
      title: 'jarsigner (SunPKCS11)',
      description:
        'signet-pkcs11.cfg: name = Signet, library = the module, slotListIndex = this token\'s position in pkcs11-tool --list-slots.',
      language: 'sh',
      code: [
        `printf 'name = Signet\\nlibrary = ${module}\\nslotListIndex = 0\\n' > signet-pkcs11.cfg`,
        `jarsigner -keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 \\`,
        `  -providerArg signet-pkcs11.cfg -storepass unused -sigalg ${alg.java} app.jar ${name}`,
      ].join('\n'),
    },
  ];
}

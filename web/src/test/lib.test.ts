/// <reference types="node" />
// Unit tests of the console's logic (vitest): the rules it checks before the server does,
// what it computes from API replies, and the commands it prints.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, buildUrl, errorFromResponse } from '../api/client';
import type { Certificate, Principal, Signer, SigningRequest } from '../api/types';
import { certificateState, spkiPem, unusableReason, usableForSigning } from '../lib/certs';
import { durationProblem, formatDuration, humanDuration, parseDuration } from '../lib/duration';
import { placeError } from '../lib/errors';
import { formatDate, formatDay, relativeTime } from '../lib/format';
import { isWaitingFor, progressSummary, stepProgress } from '../lib/inbox';
import { deliveryOutcome, portFor, webhookBody } from '../lib/notifications';
import { matchPattern } from '../lib/router';
import { PAGE_PATTERNS } from '../lib/routes';
import { effectiveStatus, signerRow } from '../lib/signers';
import { slugProblem, toSlug } from '../lib/slug';
import { algorithmsFor, buildSnippets } from '../lib/snippets';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function cert(over: Partial<Certificate> = {}): Certificate {
  return {
    id: 'c1', projectId: 'p', caId: 'ca', commonName: 'Release', keyAlgorithm: 'EC_prime256v1', status: 'active',
    serialNumber: '01', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', keyUsages: ['digitalSignature'],
    extendedKeyUsages: ['codeSigning'], revokedAt: null, createdAt: '2026-01-01T00:00:00Z', ...over,
  };
}

function signer(over: Partial<Signer> = {}): Signer {
  return {
    id: 's1', projectId: 'p', name: 'release', description: '', status: 'active', certificateId: 'c1', signingPolicyId: null,
    lastSignedAt: null, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...over,
  };
}

const carol: Principal = { type: 'user', id: 'carol', name: 'carol@x', orgRole: 'member' };
const dave: Principal = { type: 'user', id: 'dave', name: 'dave@x', orgRole: 'member' };
const bob: Principal = { type: 'user', id: 'bob', name: 'bob@x', orgRole: 'member' };

function request(over: Partial<SigningRequest> = {}): SigningRequest {
  return {
    id: 'r1', signerId: 's1', projectId: 'p', requesterType: 'user', requesterId: 'bob', justification: 'release',
    requestedSignings: 1, requestedWindowDuration: '1h', requestedWindowStart: null, requestedWindowEnd: null, status: 'pending',
    currentStep: 0, signingPolicyId: 'pol',
    policy: {
      id: 'pol', projectId: 'p', name: 'two-step', constraints: { maxWindowDuration: '1h', maxSignings: 2 }, maxRequestTtl: '7d',
      bypassForMachineIdentities: false, createdAt: '', updatedAt: '',
      steps: [
        { name: 'Leads', requiredApprovals: 1, approvers: [{ type: 'user', id: 'carol' }] },
        { name: '', requiredApprovals: 1, approvers: [{ type: 'user', id: 'dave' }, { type: 'user', id: 'bob' }] },
      ],
    },
    approvals: [], expiresAt: '', grantId: null, createdAt: '', updatedAt: '', ...over,
  };
}

describe('slug rule (SPEC §2, the server wording)', () => {
  it('accepts slugs', () => {
    for (const ok of ['a', 'release', 'release-2', 'a1-b2-c3', 'x'.repeat(64)]) expect(slugProblem(ok)).toBeNull();
  });
  it('names the problem', () => {
    expect(slugProblem('')).toBe('Name must not be empty');
    expect(slugProblem('x'.repeat(65))).toBe('Name is 65 characters; the maximum is 64');
    expect(slugProblem('Release')).toBe('Name may contain only lower-case letters, digits and hyphens');
    expect(slugProblem('rel ease')).toMatch(/only lower-case/);
    expect(slugProblem('-release')).toBe('Name must not start or end with a hyphen');
    expect(slugProblem('release-')).toBe('Name must not start or end with a hyphen');
    expect(slugProblem('re--lease')).toBe('Name must not contain two hyphens in a row');
  });
  it('suggests a slug from free text', () => {
    expect(toSlug('Release Signer 2!')).toBe('release-signer-2');
    expect(toSlug('--A  B--')).toBe('a-b');
    expect(slugProblem(toSlug('x'.repeat(63) + ' y'))).toBeNull();
  });
});

describe('durations', () => {
  it('parses and formats the API form', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('8h')).toBe(28_800_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1.5h')).toBeNull();
    expect(parseDuration('h')).toBeNull();
    expect(parseDuration('10w')).toBeNull();
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(humanDuration('1h')).toBe('1 hour');
    expect(humanDuration('7d')).toBe('7 days');
    expect(humanDuration(null)).toBe('—');
  });
  it('checks bounds with the limit in the message', () => {
    expect(durationProblem('2h', 'Window', 60_000, 3_600_000)).toBe('Window is 2h; the maximum is 1h');
    expect(durationProblem('30s', 'Window', 60_000)).toBe('Window is 30s; the minimum is 1m');
    expect(durationProblem('soon', 'Window')).toMatch(/must be a duration/);
    expect(durationProblem('45m', 'Window', 60_000, 3_600_000)).toBeNull();
  });
});

describe('certificates a signer may use', () => {
  it('offers only active code-signing certificates', () => {
    const certs = [
      cert({ id: 'ok', commonName: 'B ok' }),
      cert({ id: 'tls', commonName: 'TLS', extendedKeyUsages: ['serverAuth'] }),
      cert({ id: 'revoked', status: 'revoked' }),
      cert({ id: 'expired', notAfter: '2026-05-01T00:00:00Z' }),
      cert({ id: 'future', notBefore: '2026-07-01T00:00:00Z' }),
      cert({ id: 'pending', status: 'pending', notBefore: null, notAfter: null }),
      cert({ id: 'ok2', commonName: 'A ok', extendedKeyUsages: ['serverAuth', 'codeSigning'] }),
    ];
    expect(usableForSigning(certs, NOW).map((c) => c.id)).toEqual(['ok2', 'ok']);
    expect(unusableReason(certs[1], NOW)).toBe('lacks the codeSigning extended key usage');
    expect(unusableReason(certs[2], NOW)).toBe('is revoked');
    expect(unusableReason(certs[3], NOW)).toBe('has expired');
    expect(certificateState(certs[4], NOW)).toBe('not-yet-valid');
    expect(certificateState(certs[5], NOW)).toBe('pending');
  });
  it('wraps a DER public key as PEM', () => {
    const b64 = 'A'.repeat(100);
    expect(spkiPem(b64)).toBe(`-----BEGIN PUBLIC KEY-----\n${'A'.repeat(64)}\n${'A'.repeat(36)}\n-----END PUBLIC KEY-----\n`);
  });
});

describe('signer status and read model', () => {
  it('is expired when the certificate is expired or revoked', () => {
    expect(effectiveStatus(signer(), cert(), NOW)).toBe('active');
    expect(effectiveStatus(signer(), cert({ notAfter: '2026-05-31T00:00:00Z' }), NOW)).toBe('expired');
    expect(effectiveStatus(signer(), cert({ status: 'revoked' }), NOW)).toBe('expired');
    expect(effectiveStatus(signer({ status: 'disabled' }), cert(), NOW)).toBe('disabled');
    expect(effectiveStatus(signer({ status: 'disabled' }), cert({ status: 'revoked' }), NOW)).toBe('expired');
  });
  it("prefers the server's read model when it has one", () => {
    const s = signer({ certificateCommonName: 'From server', certificateNotAfter: '2026-05-01T00:00:00Z', certificateStatus: 'active', signingPolicyId: 'pol', approvalPolicyName: 'two-step' });
    const row = signerRow(s, undefined, undefined, NOW);
    expect(row).toMatchObject({ status: 'expired', certificateName: 'From server', policyName: 'two-step' });
    expect(signerRow(signer({ status: 'expired' }), undefined, undefined, NOW).status).toBe('expired');
    const looked = signerRow(signer({ signingPolicyId: 'pol' }), cert(), { name: 'looked-up' } as never, NOW);
    expect(looked).toMatchObject({ status: 'active', certificateName: 'Release', certificateNotAfter: '2027-01-01T00:00:00Z', policyName: 'looked-up' });
    expect(signerRow(signer(), cert(), undefined, NOW).policyName).toBeNull();
  });
});

describe('approvals inbox', () => {
  it('waits for the approvers of the current step only', () => {
    const r = request();
    expect(isWaitingFor(r, carol)).toBe(true);
    expect(isWaitingFor(r, dave)).toBe(false);
    expect(isWaitingFor({ ...r, currentStep: 1 }, dave)).toBe(true);
    expect(isWaitingFor({ ...r, currentStep: 1 }, carol)).toBe(false);
  });
  it('never asks requesters to approve themselves, nor twice, nor after the end', () => {
    const r = request({ currentStep: 1 });
    expect(isWaitingFor(r, bob)).toBe(false); // bob is an approver of step 2 but asked
    const decided = request({ approvals: [{ id: 'a', requestId: 'r1', step: 0, approverUserId: 'carol', decision: 'approved', comment: '', createdAt: '' }] });
    expect(isWaitingFor(decided, carol)).toBe(false);
    expect(isWaitingFor(request({ status: 'approved' }), carol)).toBe(false);
    expect(isWaitingFor(request({ policy: null }), carol)).toBe(false);
    expect(isWaitingFor(request(), { ...carol, type: 'identity' })).toBe(false);
  });
  it('reports progress step by step', () => {
    const r = request({
      currentStep: 1,
      approvals: [{ id: 'a', requestId: 'r1', step: 0, approverUserId: 'carol', decision: 'approved', comment: 'ok', createdAt: '' }],
    });
    expect(stepProgress(r)).toEqual([
      { index: 0, name: 'Leads', required: 1, approvals: 1, approvers: ['carol'], state: 'done' },
      { index: 1, name: 'Step 2', required: 1, approvals: 0, approvers: [], state: 'current' },
    ]);
    expect(progressSummary(r)).toBe('step 2 of 2');
    const rejected = request({ status: 'rejected', approvals: [{ id: 'a', requestId: 'r1', step: 0, approverUserId: 'carol', decision: 'rejected', comment: '', createdAt: '' }] });
    expect(stepProgress(rejected)[0].state).toBe('rejected');
    expect(progressSummary(rejected)).toBe('rejected');
    expect(stepProgress(request({ status: 'approved', currentStep: 2 })).map((s) => s.state)).toEqual(['done', 'done']);
  });
});

describe('API errors next to their field', () => {
  const fields = { name: ['name', 'a signer named'], certificate: ['certificateId', 'certificate'], policy: ['signingPolicyId', 'signing policy'] };
  it('finds the field the message names first', () => {
    const at = (m: string) => placeError(new ApiError(400, 'BadRequest', m, 'req'), fields);
    expect(at("a signer named 'x' already exists in this project").field).toBe('name');
    expect(at("certificate 'c1' lacks the codeSigning extended key usage").field).toBe('certificate');
    expect(at('certificateId must be a UUID').field).toBe('certificate');
    expect(at("signing policy 'p' was not found in this project").field).toBe('policy');
    expect(at('name must not contain two hyphens in a row').field).toBe('name');
    expect(at('you are not a member of this project').field).toBeNull();
    expect(at('signer is disabled').field).toBeNull(); // 'signer' is not 'a signer named'
    expect(at('x').reqId).toBe('req');
  });
  it('keeps non-API errors whole', () => {
    expect(placeError(new Error('boom'), fields)).toEqual({ field: null, message: 'boom' });
  });
  it('reads the SPEC §3 error body, or says what came back', async () => {
    const body = new Response(JSON.stringify({ statusCode: 403, error: 'PermissionDenied', message: 'no', reqId: 'r' }), { status: 403 });
    const e = await errorFromResponse(body);
    expect([e.status, e.error, e.message, e.reqId]).toEqual([403, 'PermissionDenied', 'no', 'r']);
    const html = await errorFromResponse(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(html.message).toBe('signetd answered 502 Bad Gateway');
  });
  it('builds query strings without empty values', () => {
    expect(buildUrl('/x', { a: 1, b: '', c: undefined, d: null, e: 'a b' })).toBe('/x?a=1&e=a+b');
    expect(buildUrl('/x')).toBe('/x');
  });
});

describe('routes', () => {
  it('matches patterns and decodes parameters', () => {
    expect(matchPattern('/signers/{id}/{tab}', '/signers/abc/members')).toEqual({ id: 'abc', tab: 'members' });
    expect(matchPattern('/signers/{id}', '/signers/a%20b')).toEqual({ id: 'a b' });
    expect(matchPattern('/signers/{id}', '/signers')).toBeNull();
    expect(matchPattern('/signers', '/signers/')).toEqual({});
    expect(matchPattern('/signers/{id}', '/signers/%E0%A4%A')).toBeNull();
  });
  it('are the pages signetd serves (src/http/console.cc)', () => {
    const cc = readFileSync(new URL('../../../src/http/console.cc', import.meta.url), 'utf8');
    const block = /kPagePatterns\{([^}]*(?:\}[^}]*)*?)\};/s.exec(cc)?.[1] ?? '';
    const served = [...block.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(served).toEqual([...PAGE_PATTERNS]);
  });
});

describe('how-to-sign snippets', () => {
  it('fill in the server, the signer and the algorithm of its key', () => {
    const s = buildSnippets({ serverUrl: 'https://signet.example.com', signerId: 'id-1', signerName: 'release', keyAlgorithm: 'RSA_3072' });
    const byId = Object.fromEntries(s.map((x) => [x.id, x.code]));
    expect(Object.keys(byId)).toEqual(['curl', 'cli', 'pkcs11-config', 'pkcs11-tool', 'osslsigncode', 'jarsigner']);
    expect(byId.curl).toContain('S=https://signet.example.com');
    expect(byId.curl).toContain('/api/v1/pki/signers/id-1/sign');
    expect(byId.curl).toContain('RSASSA_PKCS1_V1_5_SHA256');
    expect(byId.cli).toContain('signet sign --signer release --algorithm RSASSA_PKCS1_V1_5_SHA256');
    expect(JSON.parse(byId['pkcs11-config']).serverUrl).toBe('https://signet.example.com');
    expect(byId['pkcs11-tool']).toContain('-m SHA256-RSA-PKCS');
    expect(byId.jarsigner).toContain('-sigalg SHA256withRSA app.jar release');
    expect(byId.osslsigncode).toContain("pkcs11:token=release;object=release;type=private");
  });
  it('use ECDSA with the curve\'s hash for EC keys', () => {
    expect(algorithmsFor('EC_prime256v1')).toMatchObject({ api: 'ECDSA_SHA256', pkcs11: 'ECDSA-SHA256', java: 'SHA256withECDSA' });
    expect(algorithmsFor('EC_secp384r1').api).toBe('ECDSA_SHA384');
    expect(algorithmsFor('EC_secp521r1').api).toBe('ECDSA_SHA512');
    const s = buildSnippets({ serverUrl: 'http://127.0.0.1:8080', signerId: 'i', signerName: 'ec', keyAlgorithm: 'EC_prime256v1' });
    expect(s.find((x) => x.id === 'pkcs11-tool')!.code).toContain('--signature-format openssl');
    expect(s.find((x) => x.id === 'curl')!.code).toContain('openssl dgst -sha256 -binary');
  });
});

describe('dates', () => {
  it('are short, in local time', () => {
    const d = new Date(2026, 11, 3, 4, 5); // local time
    expect(formatDay(d.toISOString())).toBe('Dec 3, 2026');
    expect(formatDate(d.toISOString())).toBe('Dec 3, 2026, 04:05');
    expect(formatDate(null)).toBe('—');
    expect(formatDay('not a date')).toBe('not a date');
  });
});

describe('relative times', () => {
  it('reads naturally', () => {
    expect(relativeTime(null, NOW)).toBe('never');
    expect(relativeTime('2026-06-01T11:59:50Z', NOW)).toBe('just now');
    expect(relativeTime('2026-06-01T11:55:00Z', NOW)).toBe('5 minutes ago');
    expect(relativeTime('2026-06-04T12:00:00Z', NOW)).toBe('in 3 days');
    expect(relativeTime('2025-06-01T12:00:00Z', NOW)).toBe('1 year ago');
  });
});

describe('notifications', () => {
  it('says how a delivery went', () => {
    expect(deliveryOutcome({ status: 'delivered', lastStatusCode: 204, lastError: null })).toBe('delivered (HTTP 204)');
    expect(deliveryOutcome({ status: 'failed', lastStatusCode: 500, lastError: null })).toBe('failed: HTTP 500');
    expect(deliveryOutcome({ status: 'failed', lastStatusCode: null, lastError: 'connection refused' })).toBe('failed: connection refused');
    expect(deliveryOutcome({ status: 'pending', lastStatusCode: null, lastError: null })).toBe('pending: no answer yet');
  });

  it('moves the SMTP port with the security unless another port was typed', () => {
    expect(portFor('tls', 'starttls', '587')).toBe('465');
    expect(portFor('none', 'tls', '465')).toBe('25');
    expect(portFor('tls', 'starttls', '')).toBe('465');
    expect(portFor('tls', 'starttls', '2525')).toBe('2525');
  });

  it('sends a webhook secret only when typed, in the API order of events', () => {
    const form = { name: ' ops ', url: ' https://hooks.example.com/x ', secret: '', removeSecret: false, format: 'slack' as const, events: ['request.approved' as const, 'request.created' as const], enabled: true };
    expect(webhookBody(form, null, 'p1')).toEqual({ projectId: 'p1', name: 'ops', url: 'https://hooks.example.com/x', format: 'slack', events: ['request.created', 'request.approved'], enabled: true });
    const existing = { id: 'w', projectId: 'p1', name: 'ops', url: 'https://hooks.example.com/x', format: 'slack' as const, events: [], enabled: true, hasSecret: true, createdAt: '', updatedAt: '' };
    // An edit keeps the stored secret and the unchanged name; removing it sends null.
    expect(webhookBody(form, existing, 'p1')).toEqual({ url: 'https://hooks.example.com/x', format: 'slack', events: ['request.created', 'request.approved'], enabled: true });
    expect(webhookBody({ ...form, removeSecret: true }, existing, 'p1').secret).toBeNull();
    expect(webhookBody({ ...form, secret: 'a new secret 1234', removeSecret: true }, existing, 'p1').secret).toBe('a new secret 1234');
    expect(webhookBody({ ...form, name: 'renamed' }, existing, 'p1').name).toBe('renamed');
  });
});

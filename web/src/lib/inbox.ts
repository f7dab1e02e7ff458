// Approval progress of signing requests (SPEC §5) as approvers and requesters see it.
import type { Principal, SigningRequest } from '../api/types';

// Whether `me` can decide `req` now: pending, at a step that lists me, not mine, not yet
// decided by me at this step.
export function isWaitingFor(req: SigningRequest, me: Principal): boolean {
  if (req.status !== 'pending' || me.type !== 'user' || !req.policy) return false;
  if (req.requesterType === 'user' && req.requesterId === me.id) return false;
  const step = req.policy.steps[req.currentStep];
  if (!step || !step.approvers.some((a) => a.id === me.id)) return false;
  return !req.approvals.some((a) => a.step === req.currentStep && a.approverUserId === me.id);
}

export function isMine(req: SigningRequest, me: Principal): boolean {
  return req.requesterType === me.type && req.requesterId === me.id;
}

export type StepState = 'done' | 'current' | 'waiting' | 'rejected';

export interface StepProgress {
  index: number;
  name: string;
  required: number;
  approvals: number;
  approvers: string[]; // user ids who approved at this step
  state: StepState;
}

export function stepProgress(req: SigningRequest): StepProgress[] {
  const steps = req.policy?.steps ?? [];
  return steps.map((step, index) => {
    const decided = req.approvals.filter((a) => a.step === index);
    const approved = decided.filter((a) => a.decision === 'approved');
    let state: StepState = 'waiting';
    if (decided.some((a) => a.decision === 'rejected')) state = 'rejected';
    else if (index < req.currentStep || req.status === 'approved') state = 'done';
    else if (index === req.currentStep && req.status === 'pending') state = 'current';
    return {
      index,
      name: step.name || `Step ${index + 1}`,
      required: step.requiredApprovals,
      approvals: approved.length,
      approvers: approved.map((a) => a.approverUserId),
      state,
    };
  });
}

// "Step 2 of 3" style summary for a table cell.
export function progressSummary(req: SigningRequest): string {
  const total = req.policy?.steps.length ?? 0;
  if (req.status !== 'pending' || total === 0) return req.status;
  return `step ${Math.min(req.currentStep + 1, total)} of ${total}`;
}

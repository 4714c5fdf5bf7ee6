import { type OwnershipHandover, OwnershipResolution } from '../../accounts/index.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';

/** What the user must do first, in words: the same text when filing is refused and when the job rejects. */
export function handoverMessage(handovers: readonly OwnershipHandover[]): string {
  const names = (resolution: OwnershipResolution) =>
    handovers
      .filter((h) => h.resolution === resolution)
      .map((h) => `"${h.tenantName}"`)
      .join(', ');
  const parts: string[] = [];
  if (handovers.some((h) => h.resolution === OwnershipResolution.TRANSFER_OWNERSHIP)) {
    parts.push(`make another member an owner of ${names(OwnershipResolution.TRANSFER_OWNERSHIP)}`);
  }
  if (handovers.some((h) => h.resolution === OwnershipResolution.CLOSE_TENANT)) {
    parts.push(`close ${names(OwnershipResolution.CLOSE_TENANT)}, where you are the only member`);
  }
  return `You are the only owner of a tenant. Before your account can be deleted, ${parts.join('; and ')}.`;
}

/** The refusal of an erasure request up front, listing the tenants and what each needs. */
export function ownershipTransferRequired(handovers: readonly OwnershipHandover[]): AppError {
  return new AppError(ErrorCode.OWNERSHIP_TRANSFER_REQUIRED, handoverMessage(handovers), {
    tenants: handovers.map((h) => ({ id: h.tenantId, name: h.tenantName, resolution: h.resolution })),
  });
}

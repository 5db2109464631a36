// What a holder asks to authorise, checked before anything is claimed or minted: a validity the
// configuration allows, the holder's own usable certificate, a service item that accepts it, and
// separate consent where the item receives sensitive personal information (PIPL art. 29).
import type { CreateAuthorisationRequest } from '../../contract/bff.ts';
import type { LicenseRecord } from '../../contract/upstream.ts';
import { ApiError } from '../errors.ts';
import { type HolderService, certificateNotUsable, fieldsForItem, licenseState, unusableReason } from './holder.ts';

type DirectoryItem = Awaited<ReturnType<HolderService['serviceDirectory']>>[number];

export function checkValidity(holder: HolderService, validitySeconds: number): void {
  const bounds = holder.validityBounds();
  if (validitySeconds < bounds.minSeconds || validitySeconds > bounds.maxSeconds) {
    throw new ApiError(400, 'BAD_REQUEST', bounds.minSeconds === bounds.maxSeconds
      ? `用证码有效期固定为 ${bounds.maxSeconds} 秒，不能缩短`
      : `授权有效期须在 ${bounds.minSeconds} 至 ${bounds.maxSeconds} 秒之间`);
  }
}

export async function whatIsAuthorised(
  holder: HolderService, credential: string, req: CreateAuthorisationRequest, now: number,
): Promise<{ record: LicenseRecord; item: DirectoryItem }> {
  const { record } = await holder.ownRecord(credential, req.licenseCode);
  const reason = unusableReason(licenseState(record, now).state);
  if (reason) throw certificateNotUsable(reason);
  // Only an item the holder was offered: one that accepts the certificate and is not the issuer's own work.
  const item = (await holder.offeredItemsFor(record.license_item_code)).find((s) => s.serviceItemCode === req.serviceItemCode);
  if (!item) {
    throw new ApiError(400, 'BAD_REQUEST', '所选事项不接受该证照，请重新选择事项');
  }
  const entry = await holder.catalogue(record.license_item_code);
  // Only what this item receives counts: an item needing no sensitive field needs no separate consent.
  const sensitive = fieldsForItem(item, entry, record).filter((f) => f.sensitive);
  if (sensitive.length > 0 && req.sensitiveConsent !== true) {
    throw new ApiError(400, 'BAD_REQUEST', `本次共享包含敏感个人信息（${sensitive.map((f) => f.name).join('、')}），请单独确认同意后再授权`);
  }
  return { record, item };
}

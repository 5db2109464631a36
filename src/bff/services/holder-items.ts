// Which service items a holder is offered (issue 15). Pure, with a table test.

export interface OfferedItem {
  serviceItemCode: string;
  orgCode: string;
  licenseItemCodes: string[];
}

/**
 * The issuing agency's own work on its certificates (the sandbox's 电子证照制发), not a use a holder
 * consents to: an item every accepted certificate of which its own organisation administers. The
 * spec has no flag for it; see docs/decisions.md for what this rule can get wrong.
 */
export function isIssuerWork(item: OfferedItem, adminOrgOf: (licenseItemCode: string) => string | null | undefined): boolean {
  return item.licenseItemCodes.length > 0 && item.licenseItemCodes.every((code) => adminOrgOf(code) === item.orgCode);
}

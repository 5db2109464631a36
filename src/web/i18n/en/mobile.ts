import type { CoreMessages } from '../zh-CN';

export const mobile: CoreMessages['mobile'] = {
  title: 'Certificate view',
  holder: 'Holder',
  issuer: 'Issued by',
  validity: 'Valid',
  status: 'Status',
  number: 'Number',
  fields: 'Certificate details',
  viewer: 'Viewer: {name}',
  guest: 'Guest',
  watermark: 'Viewed by {name} {time}',
  viewedAt: 'Viewed at {time}',
  tokenExpires: 'This viewing link expires at {time}',
  notice: 'For viewing only. For services, use an authorised use in the e-certificate app or the paper document.',
  invalid: {
    title: 'The access token has expired or is invalid',
    body: 'This viewing link is no longer valid or does not exist. The holder can create a new one from the certificate page ("View on a phone").',
  },
  loadFailed: 'Could not load the certificate',
};

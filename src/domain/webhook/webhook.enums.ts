/** Where one delivery of one change to one endpoint stands. */
export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  GAVE_UP = 'GAVE_UP',
}

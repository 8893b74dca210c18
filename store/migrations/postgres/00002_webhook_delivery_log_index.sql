-- +goose Up
-- GET /api/v1/webhooks shows each subscription's 20 latest delivery attempts
-- (every subscription, for an admin), but the only index starting with
-- subscription_id, the unique one of the attempts, does not end with id: each
-- read sorted every attempt the subscription ever logged. This one makes it a
-- backward range scan that stops at the limit.
CREATE INDEX idx_webhook_deliveries_log ON webhook_deliveries (subscription_id, id);

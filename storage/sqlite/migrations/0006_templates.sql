-- Template webhooks: the body template and the Content-Type it is sent
-- with. Both are empty for every other format.

ALTER TABLE webhooks ADD COLUMN template TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN content_type TEXT NOT NULL DEFAULT '';

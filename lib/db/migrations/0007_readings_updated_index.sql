-- The Application API's batch endpoints: an app's readings of one type changed within a window, user
-- by user in humanId order, each user's in (updated_at, id) order. Per user, this index turns a page
-- into one range scan whatever the user's history (a million readings) or the installation's size
-- (many apps): a key led by updated_at would be shared by every app and user and read theirs too.
-- id closes the key so that keyset paging through one batch's equal updated_at stays an index range.
CREATE INDEX IF NOT EXISTS "readings_user_id_type_updated_at_id_idx" ON "readings" USING btree ("user_id","type","updated_at","id");

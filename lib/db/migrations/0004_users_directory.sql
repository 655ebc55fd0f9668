-- The portal's users table: keyset paging by last activity and prefix search on externalId and email.
CREATE INDEX "users_app_id_last_active_idx" ON "users" USING btree ("app_id",coalesce("last_active_at", '-infinity'::timestamptz),"human_id") WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "users_app_id_external_id_prefix_idx" ON "users" USING btree ("app_id","external_id" text_pattern_ops) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "users_app_id_email_prefix_idx" ON "users" USING btree ("app_id",lower("email") text_pattern_ops) WHERE deleted_at IS NULL;
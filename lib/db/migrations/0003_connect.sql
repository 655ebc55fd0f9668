CREATE TYPE "public"."connect_token_kind" AS ENUM('session', 'id', 'widget', 'access', 'refresh');--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "connect_redirect_urls" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "enabled_sources" text[];--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "oidc_issuer" text;--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "oidc_client_id" text;--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "oidc_client_secret_encrypted" text;--> statement-breakpoint
ALTER TABLE "connect_sessions" ADD COLUMN "kind" "connect_token_kind" DEFAULT 'session' NOT NULL;--> statement-breakpoint
ALTER TABLE "connect_sessions" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "sync_requested_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "history_synced_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "oldest_reading_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "newest_reading_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "connect_sessions_expires_at_idx" ON "connect_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "connections_sync_requested_at_idx" ON "connections" USING btree ("sync_requested_at") WHERE sync_requested_at IS NOT NULL;
-- OAuth2 sources (Fitbit, Oura): each app's own client credentials per provider (the secret
-- encrypted, its last four characters for display), and the authorizations in flight between the
-- Connect widget and the provider's consent page (state hashed, PKCE verifier encrypted, short-lived).
CREATE TABLE "app_provider_credentials" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "app_provider_credentials_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"app_id" bigint NOT NULL,
	"provider" text NOT NULL,
	"client_id" text NOT NULL,
	"client_secret_encrypted" text NOT NULL,
	"client_secret_last4" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE TABLE "provider_authorizations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provider_authorizations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"state_hash" char(64) NOT NULL,
	"connect_session_id" bigint NOT NULL,
	"source_id" text NOT NULL,
	"code_verifier_encrypted" text NOT NULL,
	"redirect_uri" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "app_provider_credentials" ADD CONSTRAINT "app_provider_credentials_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_authorizations" ADD CONSTRAINT "provider_authorizations_connect_session_id_connect_sessions_id_fk" FOREIGN KEY ("connect_session_id") REFERENCES "public"."connect_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_authorizations" ADD CONSTRAINT "provider_authorizations_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "app_provider_credentials_app_id_provider_key" ON "app_provider_credentials" USING btree ("app_id","provider");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_authorizations_state_hash_key" ON "provider_authorizations" USING btree ("state_hash");--> statement-breakpoint
CREATE INDEX "provider_authorizations_connect_session_id_idx" ON "provider_authorizations" USING btree ("connect_session_id");--> statement-breakpoint
CREATE INDEX "provider_authorizations_expires_at_idx" ON "provider_authorizations" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "provider_authorizations_source_id_idx" ON "provider_authorizations" USING btree ("source_id");

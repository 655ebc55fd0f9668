CREATE TYPE "public"."account_role" AS ENUM('admin', 'developer');--> statement-breakpoint
CREATE TYPE "public"."connection_status" AS ENUM('connected', 'syncing', 'error', 'disconnected');--> statement-breakpoint
CREATE TYPE "public"."source_kind" AS ENUM('oauth2', 'upload', 'demo', 'file');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "accounts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" "account_role" DEFAULT 'developer' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app_keys" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "app_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"app_id" bigint NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"key_hash" char(64) NOT NULL,
	"key_prefix" text NOT NULL,
	"key_last4" char(4) NOT NULL,
	"created_by_id" bigint,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "apps" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "apps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"client_id" char(40) NOT NULL,
	"name" text NOT NULL,
	"owner_id" bigint NOT NULL,
	"connect_origins" text[] DEFAULT '{}'::text[] NOT NULL,
	"client_secret_hash" char(64) NOT NULL,
	"client_secret_prefix" text NOT NULL,
	"client_secret_last4" char(4) NOT NULL,
	"client_secret_rotated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"actor" text NOT NULL,
	"app_id" bigint,
	"action" text NOT NULL,
	"target" text,
	"ip" "inet",
	"details" jsonb,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connect_sessions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "connect_sessions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"token_hash" char(64) NOT NULL,
	"app_id" bigint NOT NULL,
	"user_id" bigint,
	"origin" text,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "connections_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" bigint NOT NULL,
	"source_id" text NOT NULL,
	"status" "connection_status" DEFAULT 'connected' NOT NULL,
	"connected_since" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_sync_at" timestamp (3) with time zone,
	"last_error" text,
	"credentials_encrypted" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reading_rollups" (
	"connection_id" bigint NOT NULL,
	"type" text NOT NULL,
	"bucket" timestamp (3) with time zone NOT NULL,
	"user_id" bigint NOT NULL,
	"count" integer NOT NULL,
	"sum" double precision NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	"sum2" double precision,
	"min2" double precision,
	"max2" double precision,
	CONSTRAINT "reading_rollups_connection_id_type_bucket_pk" PRIMARY KEY("connection_id","type","bucket")
);
--> statement-breakpoint
CREATE TABLE "readings" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "readings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" bigint NOT NULL,
	"connection_id" bigint NOT NULL,
	"type" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"tz_offset_minutes" smallint DEFAULT 0 NOT NULL,
	"value" double precision NOT NULL,
	"value2" double precision,
	"unit" text NOT NULL,
	"source_reading_id" text NOT NULL,
	"source_data" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sources" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" "source_kind" NOT NULL,
	"data_types" text[] NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"human_id" char(32) NOT NULL,
	"app_id" bigint NOT NULL,
	"external_id" text NOT NULL,
	"email" text,
	"name" text,
	"username" text,
	"identity_provider_name" text,
	"identity_provider_url" text,
	"provider_user_id" text,
	"access_token_encrypted" text NOT NULL,
	"access_token_hash" char(64) NOT NULL,
	"public_token_encrypted" text NOT NULL,
	"public_token_hash" char(64) NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_active_at" timestamp (3) with time zone,
	"last_login_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "app_keys" ADD CONSTRAINT "app_keys_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_keys" ADD CONSTRAINT "app_keys_created_by_id_accounts_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connect_sessions" ADD CONSTRAINT "connect_sessions_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connect_sessions" ADD CONSTRAINT "connect_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reading_rollups" ADD CONSTRAINT "reading_rollups_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reading_rollups" ADD CONSTRAINT "reading_rollups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "readings" ADD CONSTRAINT "readings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "readings" ADD CONSTRAINT "readings_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_email_key" ON "accounts" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "app_keys_key_hash_key" ON "app_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "app_keys_app_id_idx" ON "app_keys" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "app_keys_created_by_id_idx" ON "app_keys" USING btree ("created_by_id");--> statement-breakpoint
CREATE UNIQUE INDEX "apps_client_id_key" ON "apps" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "apps_owner_id_idx" ON "apps" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "audit_log_app_id_at_idx" ON "audit_log" USING btree ("app_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "connect_sessions_token_hash_key" ON "connect_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "connect_sessions_app_id_idx" ON "connect_sessions" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "connect_sessions_user_id_idx" ON "connect_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "connections_user_id_source_id_key" ON "connections" USING btree ("user_id","source_id");--> statement-breakpoint
CREATE INDEX "connections_source_id_idx" ON "connections" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "reading_rollups_user_id_type_bucket_idx" ON "reading_rollups" USING btree ("user_id","type","bucket");--> statement-breakpoint
CREATE UNIQUE INDEX "readings_connection_id_type_source_reading_id_key" ON "readings" USING btree ("connection_id","type","source_reading_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_human_id_key" ON "users" USING btree ("human_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_app_id_human_id_key" ON "users" USING btree ("app_id","human_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_app_id_external_id_key" ON "users" USING btree ("app_id","external_id");--> statement-breakpoint
CREATE INDEX "users_app_id_created_at_idx" ON "users" USING btree ("app_id","created_at");--> statement-breakpoint
CREATE INDEX "users_app_id_updated_at_idx" ON "users" USING btree ("app_id","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_access_token_hash_key" ON "users" USING btree ("access_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "users_public_token_hash_key" ON "users" USING btree ("public_token_hash");
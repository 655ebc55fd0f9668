-- Apple Health export imports: one row per uploaded export.zip, its progress and outcome. The file
-- itself waits under the data folder until the import job has read it.
CREATE TYPE "public"."import_status" AS ENUM('queued', 'running', 'done', 'failed');--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"connection_id" bigint NOT NULL,
	"source_id" text NOT NULL,
	"status" "import_status" DEFAULT 'queued' NOT NULL,
	"bytes" bigint NOT NULL,
	"xml_bytes" bigint DEFAULT 0 NOT NULL,
	"xml_bytes_read" bigint DEFAULT 0 NOT NULL,
	"records_seen" bigint DEFAULT 0 NOT NULL,
	"records_imported" bigint DEFAULT 0 NOT NULL,
	"records_skipped" bigint DEFAULT 0 NOT NULL,
	"skipped_types" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"readings_written" bigint DEFAULT 0 NOT NULL,
	"readings_inserted" bigint DEFAULT 0 NOT NULL,
	"readings_updated" bigint DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_user_app_fk" FOREIGN KEY ("user_id","app_id") REFERENCES "public"."users"("id","app_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_connection_user_fk" FOREIGN KEY ("connection_id","user_id") REFERENCES "public"."connections"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "imports_user_id_created_at_idx" ON "imports" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "imports_connection_id_idx" ON "imports" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "imports_pending_idx" ON "imports" USING btree ("created_at") WHERE status IN ('queued', 'running');

DROP INDEX "ratings_request_user_idx";--> statement-breakpoint
ALTER TABLE "ratings" ADD COLUMN "api_key_id" uuid;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- API ratings had no user, and NULLs never conflicted: keep only the latest per request and rater.
DELETE FROM "ratings" r USING "ratings" newer WHERE r."request_id" = newer."request_id" AND r."user_id" IS NOT DISTINCT FROM newer."user_id" AND r."api_key_id" IS NOT DISTINCT FROM newer."api_key_id" AND (newer."created_at", newer."id") > (r."created_at", r."id");--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_request_rater_key" UNIQUE NULLS NOT DISTINCT("request_id","user_id","api_key_id");
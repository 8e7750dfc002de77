ALTER TABLE "teams" ADD COLUMN "requests_per_minute" integer;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "tokens_per_minute" integer;
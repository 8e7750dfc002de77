-- Alerts fire per limit: an existing alert is taken to refer to its budget's current limit (the best known).
DROP INDEX "budget_alerts_once_idx";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "lineage_id" uuid;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD COLUMN "limit_micros" bigint;--> statement-breakpoint
UPDATE "budget_alerts" a SET "limit_micros" = b."limit_micros" FROM "budgets" b WHERE b."id" = a."budget_id";--> statement-breakpoint
ALTER TABLE "budget_alerts" ALTER COLUMN "limit_micros" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "budgets" ADD COLUMN "limit_set_spent_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "budget_alerts_once_idx" ON "budget_alerts" USING btree ("budget_id","period_start","limit_micros","threshold");

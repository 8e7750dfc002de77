ALTER TABLE "budget_alerts" ADD COLUMN "webhook_next_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "budget_alerts_webhook_due_idx" ON "budget_alerts" USING btree ("webhook_next_at");--> statement-breakpoint
UPDATE "budget_alerts" SET "webhook_next_at" = now() WHERE "webhook_status" = 'pending';

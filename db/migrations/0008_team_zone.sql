ALTER TABLE "budgets" ADD COLUMN "period_ends_at" timestamp with time zone;--> statement-breakpoint
-- usage_daily files each request under its day in its team's zone (it was the UTC day). Teams
-- whose zone is not UTC had their days filed in UTC: rebuild theirs from the requests themselves.
-- (Teams in UTC, every team whose zone was never changed, keep their rows as they are.)
DELETE FROM "usage_daily" u USING "teams" t WHERE t."id" = u."team_id" AND t."timezone" <> 'UTC';--> statement-breakpoint
INSERT INTO "usage_daily" ("day", "team_id", "model", "user_id", "api_key_id", "requests", "errors", "input_tokens", "output_tokens", "cost_micros", "latency_ms_sum")
SELECT (r."created_at" AT TIME ZONE t."timezone")::date, r."team_id",
  CASE WHEN r."status" = 'refused' THEN '' ELSE coalesce(r."model", '') END, coalesce(r."user_id", ''), coalesce(r."api_key_id"::text, ''),
  count(*), count(*) FILTER (WHERE r."status" <> 'ok'), sum(r."input_tokens"), sum(r."output_tokens"), sum(r."cost_micros"), sum(r."latency_ms")
FROM "requests" r JOIN "teams" t ON t."id" = r."team_id"
WHERE t."timezone" <> 'UTC'
GROUP BY 1, 2, 3, 4, 5;

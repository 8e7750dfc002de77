-- Names that differ only in case: the oldest keeps its name, each other one gets the first 8 characters of its id appended ("openai (1a2b3c4d)"), so nothing is lost and an admin can rename it.
UPDATE "providers" p SET "name" = p."name" || ' (' || left(p."id"::text, 8) || ')', "updated_at" = now() WHERE EXISTS (SELECT 1 FROM "providers" older WHERE lower(older."name") = lower(p."name") AND (older."created_at", older."id") < (p."created_at", p."id"));--> statement-breakpoint
ALTER TABLE "providers" DROP CONSTRAINT "providers_name_unique";--> statement-breakpoint
CREATE UNIQUE INDEX "providers_name_lower_idx" ON "providers" USING btree (lower("name"));

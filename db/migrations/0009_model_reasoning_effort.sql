ALTER TABLE "models" ADD COLUMN "reasoning_effort" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Existing rows keep what the name rule this column replaces gave them at run time (OpenAI's o-series and gpt-5, xAI's grok-3-mini); every other model, an admin's included, stays off until the admin ticks it.
UPDATE "models" SET "reasoning_effort" = true FROM "providers" WHERE "providers"."id" = "models"."provider_id" AND (("providers"."kind" = 'openai' AND "models"."name" ~ '^(o[0-9]|gpt-5)') OR ("providers"."kind" = 'xai' AND "models"."name" ~ '^grok-3-mini'));

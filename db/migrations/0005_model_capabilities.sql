ALTER TABLE "models" ADD COLUMN "tool_calling" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "image_input" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Existing rows of the built-in catalog get its documented capabilities (lib/providers/catalog.ts); models an admin added stay off until the admin ticks them.
UPDATE "models" SET "tool_calling" = true WHERE "name" IN ('gpt-4.1', 'gpt-4.1-mini', 'gpt-4o-mini', 'claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022', 'grok-3', 'grok-3-mini', 'mistral-large-latest', 'mistral-small-latest', 'codestral-latest', 'llama3.1:8b', 'qwen2.5-coder:7b');--> statement-breakpoint
UPDATE "models" SET "image_input" = true WHERE "name" IN ('gpt-4.1', 'gpt-4.1-mini', 'gpt-4o-mini', 'claude-sonnet-4-20250514', 'mistral-small-latest');

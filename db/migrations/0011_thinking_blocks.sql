CREATE TABLE "thinking_blocks" (
	"team_id" uuid NOT NULL,
	"tool_call_id" text NOT NULL,
	"model" text NOT NULL,
	"blocks" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "thinking_blocks_team_id_tool_call_id_pk" PRIMARY KEY("team_id","tool_call_id")
);
--> statement-breakpoint
ALTER TABLE "thinking_blocks" ADD CONSTRAINT "thinking_blocks_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "thinking_blocks_created_idx" ON "thinking_blocks" USING btree ("created_at");
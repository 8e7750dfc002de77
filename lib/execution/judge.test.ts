import { describe, expect, it } from "vitest";
import { judgeReply } from "@/mock-fleet/answers";
import { judgePrompt, optimalFrom, parseJudgeScore } from "./judge";

describe("judge", () => {
  it("reads 'Score: N' from 1 to 10 as 0..1, and nothing else", () => {
    expect(parseJudgeScore("Score: 10")).toBe(1);
    expect(parseJudgeScore("score = 1")).toBe(0);
    expect(parseJudgeScore("Overall: solid.\nScore: 7/10")).toBe(0.667);
    for (const t of ["7", "Score: 0", "Score: 11", "I would give it a seven.", ""]) expect(parseJudgeScore(t), t).toBeNull();
  });

  it("was_optimal_choice is null without a score, and otherwise says what it is based on", () => {
    expect(optimalFrom(null, "normal", "judged by x:")).toEqual({ value: null, basis: "not known: the answer has not been judged or rated" });
    const ok = optimalFrom(0.7, "normal", "judged by gpt-4.1:");
    expect(ok.value).toBe(true);
    expect(ok.basis).toBe("judged by gpt-4.1: 0.70 reaches the 0.60 bar for a normal-quality task; whether a cheaper model would also have reached it is not known");
    expect(optimalFrom(0.7, "high", "judged by gpt-4.1:").value).toBe(false);
  });

  it("the mock fleet's judge grades a checkable answer by the grader, right 9 and wrong 2, for most judges", () => {
    const right = judgePrompt("What is 17 * 23?", "17 * 23 = 391");
    const wrong = judgePrompt("What is 17 * 23?", "17 * 23 = 392");
    const judges = Array.from({ length: 40 }, (_, i) => `judge-${i}`);
    const agree = judges.filter((m) => judgeReply(m, "high", right) === "Score: 9" && judgeReply(m, "high", wrong) === "Score: 2").length;
    expect(agree).toBeGreaterThanOrEqual(32);
    expect(judgeReply("judge-1", "high", "What is 17 * 23?")).toBeNull();
    expect(parseJudgeScore(judgeReply("judge-1", "high", judgePrompt("Write a haiku about rain.", "Rain taps the window."))!)).not.toBeNull();
  });
});

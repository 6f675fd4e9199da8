/**
 * Property test of the reply schemas: any JSON value as the `return` of any command we use
 * parses or fails with a QmpProtocolError naming the command, never another exception.
 */
import * as fc from "fast-check";
import { AgentReplies, QmpProtocolError, QmpReplies, parseReply } from "../../../provider/qmp";
import { runs, typedOutcome } from "../../support/fuzz";

const SCHEMAS = { ...QmpReplies, ...AgentReplies };

describe("reply schema properties", () => {
  test.each(Object.keys(SCHEMAS))("%s: any JSON return parses or is a QmpProtocolError naming it", (command) => {
    const schema = SCHEMAS[command as keyof typeof SCHEMAS];
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.dictionary(fc.constantFrom("logical-id", "online", "type", "vcpus-count", "props", "qom-path", "cpu-index"), fc.jsonValue({ maxDepth: 1 }))));
    fc.assert(fc.property(value, (v) => {
      const out = typedOutcome(() => parseReply(command, schema, v), QmpProtocolError);
      if (out instanceof QmpProtocolError) expect(out.command).toBe(command);
    }), runs(100));
  });
});

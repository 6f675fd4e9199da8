import {
  CallTimeoutError,
  ConnectionClosedError,
  LibvirtError,
  ProtocolError,
  XdrError,
  isAgentNotConfigured,
  isAgentUnresponsive,
  isInvalidArg,
  isLibvirtClientError,
  isNoDomain,
  isNoDomainMetadata,
  isOperationInvalid,
  isOperationTimeout,
  isUnsupported,
  type RemoteErrorFields,
} from "../../../provider/libvirt/errors";

function lv(code: number, domain: number, message: string | null = "msg"): LibvirtError {
  const f: RemoteErrorFields = { code, domain, message, level: 2, str1: null, str2: null, str3: null, int1: -1, int2: -1 };
  return new LibvirtError(f, "REMOTE_PROC_X");
}

type Pred = (e: unknown) => boolean;
const predicates: Record<string, Pred> = {
  isNoDomain,
  isNoDomainMetadata,
  isOperationTimeout,
  isAgentUnresponsive,
  isAgentNotConfigured,
  isInvalidArg,
  isOperationInvalid,
  isUnsupported,
};

const cases: Record<string, { err: unknown; matches: string[] }> = {
  "42 no domain": { err: lv(42, 10, "Domain not found"), matches: ["isNoDomain"] },
  "80 metadata not found": { err: lv(80, 20, "metadata not found: Requested metadata element is not present"), matches: ["isNoDomainMetadata"] },
  "68 vcpu unplug timeout": { err: lv(68, 10, "vcpu unplug request timed out"), matches: ["isOperationTimeout"] },
  "86 agent not connected": { err: lv(86, 10, "QEMU guest agent is not connected"), matches: ["isAgentUnresponsive"] },
  "74 agent not configured": { err: lv(74, 10, "QEMU guest agent is not configured"), matches: ["isAgentNotConfigured"] },
  "8 invalid arg": { err: lv(8, 20, "mutually exclusive"), matches: ["isInvalidArg"] },
  "55 operation invalid": { err: lv(55, 10, "domain is not running"), matches: ["isOperationInvalid"] },
  "3 no support": { err: lv(3, 10), matches: ["isUnsupported"] },
  "84 operation unsupported": { err: lv(84, 10), matches: ["isUnsupported"] },
  "39 unknown procedure": { err: lv(39, 7, "unknown procedure: 449"), matches: ["isUnsupported"] },
  "39 authentication required": { err: lv(39, 7, "authentication required"), matches: [] },
  "wrapped in a cause chain": { err: new Error("outer", { cause: new Error("mid", { cause: lv(42, 10) }) }), matches: ["isNoDomain"] },
  "connection closed": { err: new ConnectionClosedError("x"), matches: [] },
  "plain Error": { err: new Error("Domain not found"), matches: [] },
  "null message": { err: lv(1, 0, null), matches: [] },
  "not an error": { err: "no", matches: [] },
};

describe("error predicates", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const matched = Object.entries(predicates)
      .filter(([, p]) => p(c.err))
      .map(([n]) => n);
    expect(matched).toEqual(c.matches);
  });
});

describe("error classes", () => {
  test("LibvirtError keeps every remote_error field", () => {
    const e = new LibvirtError(
      { code: 68, domain: 10, message: "m", level: 2, str1: "a", str2: "b", str3: "c", int1: 1, int2: 2 },
      "REMOTE_PROC_DOMAIN_SET_VCPU",
    );
    expect(e).toMatchObject({
      code: "LIBVIRT_ERROR",
      errorCode: 68,
      domain: 10,
      message: "m",
      level: 2,
      str1: "a",
      str2: "b",
      str3: "c",
      int1: 1,
      int2: 2,
      procedure: "REMOTE_PROC_DOMAIN_SET_VCPU",
      name: "LibvirtError",
    });
  });

  test("null message gets a fallback", () => {
    expect(lv(1, 0, null).message).toBe("libvirt error 1 (domain 0)");
  });

  test.each([
    [new ConnectionClosedError("x"), "CONNECTION_CLOSED"],
    [new ProtocolError("x"), "PROTOCOL_ERROR"],
    [new XdrError("SHORT_BUFFER", 0, "x"), "XDR_ERROR"],
    [new CallTimeoutError("P", 5), "CALL_TIMEOUT"],
    [lv(1, 1), "LIBVIRT_ERROR"],
  ])("%s has code %s", (err, code) => {
    expect(err.code).toBe(code);
    expect(isLibvirtClientError(err)).toBe(true);
    expect(err).toBeInstanceOf(Error);
  });

  test("cause is kept", () => {
    const cause = new Error("ECONNRESET");
    expect(new ConnectionClosedError("closed", { cause }).cause).toBe(cause);
  });
});

import { XdrError } from "../../../../provider/libvirt/errors";
import { decodeRemoteError } from "../../../../provider/libvirt/protocol/remote-error";
import { DOM, DOM_BYTES, bytes, u32, xstr } from "../fixtures";

/** remote_error for the vCPU unplug timeout as libvirtd 9.0.0 sends it (all optionals set but dom/net). */
const UNPLUG_TIMEOUT = bytes(
  u32(68), // code VIR_ERR_OPERATION_TIMEOUT
  u32(10), // domain VIR_FROM_QEMU
  u32(1), xstr("Timed out during operation: vcpu unplug request timed out"), // message (present)
  u32(2), // level VIR_ERR_ERROR
  u32(0), // dom: NULL
  u32(1), xstr("Timed out during operation: %s"), // str1
  u32(1), xstr("vcpu unplug request timed out"), // str2
  u32(0), // str3: NULL
  u32(0xffffffff), // int1 -1
  u32(0), // int2 0
  u32(0), // net: NULL
);

/** Every optional member present, including the unused dom and net. */
const ALL_FIELDS = bytes(
  u32(42), // code VIR_ERR_NO_DOMAIN
  u32(10), // domain VIR_FROM_QEMU
  u32(1), xstr("Domain not found"), // message
  u32(2), // level
  u32(1), DOM_BYTES, // dom: present
  u32(1), xstr("s1"), // str1
  u32(1), xstr("s2"), // str2
  u32(1), xstr("s3"), // str3
  u32(7), // int1
  u32(8), // int2
  u32(1), xstr("default"), Buffer.alloc(16, 0xab), // net: { name; uuid }
);

/** Every optional member NULL. */
const NO_OPTIONALS = bytes(u32(1), u32(0), u32(0), u32(2), u32(0), u32(0), u32(0), u32(0), u32(0), u32(0), u32(0));

describe("decodeRemoteError", () => {
  const cases = {
    "vcpu unplug timeout (68 / VIR_FROM_QEMU)": {
      wire: UNPLUG_TIMEOUT,
      expected: {
        code: 68,
        domain: 10,
        message: "Timed out during operation: vcpu unplug request timed out",
        level: 2,
        dom: null,
        str1: "Timed out during operation: %s",
        str2: "vcpu unplug request timed out",
        str3: null,
        int1: -1,
        int2: 0,
        net: null,
      },
    },
    "all optional fields present": {
      wire: ALL_FIELDS,
      expected: {
        code: 42,
        domain: 10,
        message: "Domain not found",
        level: 2,
        dom: DOM,
        str1: "s1",
        str2: "s2",
        str3: "s3",
        int1: 7,
        int2: 8,
        net: { name: "default", uuid: "abababab-abab-abab-abab-abababababab" },
      },
    },
    "no optional fields": {
      wire: NO_OPTIONALS,
      expected: { code: 1, domain: 0, message: null, level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null },
    },
  };

  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(decodeRemoteError(c.wire)).toEqual(c.expected);
  });

  test.each([
    ["truncated before int2", UNPLUG_TIMEOUT.subarray(0, UNPLUG_TIMEOUT.length - 8)],
    ["trailing garbage", Buffer.concat([NO_OPTIONALS, u32(0)])],
    ["empty payload", Buffer.alloc(0)],
  ])("malformed: %s → XdrError", (_name, wire) => {
    expect(() => decodeRemoteError(wire)).toThrow(XdrError);
  });
});

import { XdrError } from "../../../../provider/libvirt/errors";
import { decodeDomainEvent, decodeMonitorEvent } from "../../../../provider/libvirt/protocol/events";
import { DOM, DOM_BYTES, bytes, u32, xstr } from "../fixtures";

const cases = {
  "318 lifecycle STOPPED/DESTROYED": {
    proc: 318,
    wire: bytes(u32(1) /* callbackID */, DOM_BYTES, u32(5) /* event STOPPED */, u32(1) /* detail DESTROYED */),
    expected: { kind: "lifecycle", callbackId: 1, dom: DOM, event: 5, detail: 1 },
  },
  "333 device removed": {
    proc: 333,
    wire: bytes(u32(2), DOM_BYTES, xstr("vcpu2")),
    expected: { kind: "deviceRemoved", callbackId: 2, dom: DOM, devAlias: "vcpu2" },
  },
  "354 device added": {
    proc: 354,
    wire: bytes(u32(3), DOM_BYTES, xstr("vcpu3")),
    expected: { kind: "deviceAdded", callbackId: 3, dom: DOM, devAlias: "vcpu3" },
  },
  "367 device removal failed": {
    proc: 367,
    wire: bytes(u32(4), DOM_BYTES, xstr("vcpu1")),
    expected: { kind: "deviceRemovalFailed", callbackId: 4, dom: DOM, devAlias: "vcpu1" },
  },
  "348 agent lifecycle CONNECTED/CHANNEL": {
    proc: 348,
    wire: bytes(u32(5), DOM_BYTES, u32(1), u32(2)),
    expected: { kind: "agentLifecycle", callbackId: 5, dom: DOM, state: 1, reason: 2 },
  },
};

describe("decodeDomainEvent", () => {
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(decodeDomainEvent(c.proc, c.wire)).toEqual(c.expected);
  });

  test("unknown event procedure → undefined", () => {
    expect(decodeDomainEvent(311, DOM_BYTES)).toBeUndefined();
  });

  test("truncated lifecycle → XdrError", () => {
    expect(() => decodeDomainEvent(318, bytes(u32(1), DOM_BYTES, u32(5)))).toThrow(XdrError);
  });
});

describe("decodeMonitorEvent (QEMU_PROC_DOMAIN_MONITOR_EVENT)", () => {
  test("ACPI_DEVICE_OST with details", () => {
    const details = '{"info":{"device":"vcpu2","source":3,"status":132}}';
    const wire = bytes(
      u32(7), // callbackID
      DOM_BYTES, // dom
      xstr("ACPI_DEVICE_OST"), // event
      u32(0), u32(1700000000), // seconds (hyper)
      u32(123456), // micros
      u32(1), xstr(details), // details (remote_string)
    );
    expect(decodeMonitorEvent(wire)).toEqual({
      callbackId: 7,
      dom: DOM,
      event: "ACPI_DEVICE_OST",
      seconds: 1700000000n,
      micros: 123456,
      details,
    });
  });

  test("NULL details", () => {
    const wire = bytes(u32(7), DOM_BYTES, xstr("RESUME"), u32(0), u32(1), u32(0), u32(0));
    expect(decodeMonitorEvent(wire).details).toBeNull();
  });
});

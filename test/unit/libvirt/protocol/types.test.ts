import { XdrError } from "../../../../provider/libvirt/errors";
import {
  TypedParamType,
  readNonnullDomain,
  readRemoteDomain,
  readTypedParam,
  readTypedParams,
  typedParamString,
  uuidFromBytes,
  uuidToBytes,
  writeNonnullDomain,
  writeRemoteDomain,
  writeTypedParam,
  type TypedParam,
} from "../../../../provider/libvirt/protocol/types";
import { XdrReader } from "../../../../provider/libvirt/xdr/reader";
import { XdrWriter } from "../../../../provider/libvirt/xdr/writer";
import { DOM, DOM_BYTES, bytes, u32, xstr } from "../fixtures";

describe("remote_nonnull_domain", () => {
  test("encodes name, uuid, id", () => {
    const w = new XdrWriter();
    writeNonnullDomain(w, DOM);
    expect(w.finish()).toEqual(DOM_BYTES);
  });

  test("decodes name, uuid, id", () => {
    expect(readNonnullDomain(new XdrReader(DOM_BYTES))).toEqual(DOM);
  });

  test("inactive domain id -1", () => {
    const w = new XdrWriter();
    writeNonnullDomain(w, { ...DOM, id: -1 });
    expect(readNonnullDomain(new XdrReader(Buffer.from(w.finish())))).toEqual({ ...DOM, id: -1 });
  });

  test.each([
    ["null", null, [0, 0, 0, 0]],
    ["present", DOM, [0, 0, 0, 1, ...DOM_BYTES]],
  ])("remote_domain %s", (_name, dom, wire) => {
    const w = new XdrWriter();
    writeRemoteDomain(w, dom);
    expect([...w.finish()]).toEqual(wire);
    expect(readRemoteDomain(new XdrReader(Buffer.from(wire)))).toEqual(dom);
  });

  test("truncated uuid → XdrError", () => {
    expect(() => readNonnullDomain(new XdrReader(DOM_BYTES.subarray(0, 30)))).toThrow(XdrError);
  });
});

describe("remote_uuid", () => {
  test.each([
    ["canonical", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"],
    ["upper case", "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"],
    ["no dashes", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"],
  ])("parses %s and formats canonically", (_name, text) => {
    expect(uuidFromBytes(uuidToBytes(text))).toBe("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  });

  test.each([["too short", "0f1e2d3c"], ["not hex", "zz1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"], ["empty", ""]])(
    "rejects %s",
    (_name, text) => {
      expect(() => uuidToBytes(text)).toThrow(XdrError);
    },
  );
});

/** One encoded remote_typed_param per type (field, discriminant, value). */
const typedParamCases: Record<string, { param: TypedParam; wire: Buffer }> = {
  INT: { param: { field: "a", type: TypedParamType.INT, value: -3 }, wire: bytes(xstr("a"), u32(1), u32(0xfffffffd)) },
  UINT: { param: { field: "b", type: TypedParamType.UINT, value: 4000000000 }, wire: bytes(xstr("b"), u32(2), u32(4000000000)) },
  LLONG: {
    param: { field: "c", type: TypedParamType.LLONG, value: -1n },
    wire: bytes(xstr("c"), u32(3), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  },
  ULLONG: {
    param: { field: "d", type: TypedParamType.ULLONG, value: 2n ** 40n },
    wire: bytes(xstr("d"), u32(4), [0, 0, 0x01, 0, 0, 0, 0, 0]),
  },
  DOUBLE: { param: { field: "e", type: TypedParamType.DOUBLE, value: 0.5 }, wire: bytes(xstr("e"), u32(5), [0x3f, 0xe0, 0, 0, 0, 0, 0, 0]) },
  BOOLEAN: { param: { field: "f", type: TypedParamType.BOOLEAN, value: true }, wire: bytes(xstr("f"), u32(6), u32(1)) },
  STRING: { param: { field: "vcpus", type: TypedParamType.STRING, value: "0-2" }, wire: bytes(xstr("vcpus"), u32(7), xstr("0-2")) },
};

describe("remote_typed_param", () => {
  test.each(Object.entries(typedParamCases))("%s round trip", (_name, c) => {
    const w = new XdrWriter();
    writeTypedParam(w, c.param);
    expect(w.finish()).toEqual(c.wire);
    expect(readTypedParam(new XdrReader(c.wire))).toEqual(c.param);
  });

  test("unknown discriminant → XdrError", () => {
    expect(() => readTypedParam(new XdrReader(bytes(xstr("x"), u32(9), u32(0))))).toThrow(XdrError);
  });

  test("GET_GUEST_VCPUS params list and string lookup", () => {
    const wire = bytes(
      u32(3), // count
      xstr("vcpus"), u32(7), xstr("0-2"),
      xstr("online"), u32(7), xstr("0"),
      xstr("offlinable"), u32(7), xstr(""),
    );
    const params = readTypedParams(new XdrReader(wire), 64);
    expect(typedParamString(params, "vcpus")).toBe("0-2");
    expect(typedParamString(params, "online")).toBe("0");
    expect(typedParamString(params, "offlinable")).toBe("");
    expect(typedParamString(params, "missing")).toBeUndefined();
  });

  test("params count above max → XdrError", () => {
    expect(() => readTypedParams(new XdrReader(u32(65)), 64)).toThrow(XdrError);
  });
});

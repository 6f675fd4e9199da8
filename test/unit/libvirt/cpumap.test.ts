import { CpuListError } from "../../../provider/libvirt/errors";
import { formatCpuList, parseCpuList } from "../../../provider/libvirt/cpumap";

const parseCases: Record<string, number[]> = {
  "0-2,4": [0, 1, 2, 4],
  "": [],
  "1": [1],
  "0": [0],
  "1-2": [1, 2],
  "3,1": [1, 3],
  "0-3,^2": [0, 1, 3],
  " 0 - 1 , 3 ": [0, 1, 3],
  "1,1,1-2": [1, 2],
};

describe("parseCpuList", () => {
  test.each(Object.entries(parseCases))("%j", (text, ids) => {
    expect(parseCpuList(text)).toEqual(ids);
  });

  test.each([["a"], ["1-"], ["-1"], ["3-1"], ["1,,2"], ["1.5"], ["0-99999999"]])("rejects %j", (text) => {
    expect(() => parseCpuList(text)).toThrow(CpuListError);
  });
});

describe("formatCpuList", () => {
  test.each([
    [[0, 1, 2, 4], "0-2,4"],
    [[], ""],
    [[1], "1"],
    [[3, 1, 2], "1-3"],
    [[0, 2, 4], "0,2,4"],
  ])("%j → %j", (ids, text) => {
    expect(formatCpuList(ids)).toBe(text);
  });

  test("round trip", () => {
    expect(parseCpuList(formatCpuList([5, 0, 1, 7, 6]))).toEqual([0, 1, 5, 6, 7]);
  });

  test("rejects negative ids", () => {
    expect(() => formatCpuList([-1])).toThrow(CpuListError);
  });
});

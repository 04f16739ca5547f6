// An interrupt line a device drives. The VMM implements it over the in-kernel irqchip;
// tests implement it with a recorder.
#pragma once

namespace svmm {

class IrqLine {
 public:
  virtual ~IrqLine() = default;
  virtual void set_level(bool asserted) = 0;
};

}  // namespace svmm

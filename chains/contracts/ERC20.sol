// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Minimal ERC-20 base for the lab tokens (written here; no external libraries).
/// @notice Balances, allowances and the standard Transfer/Approval events. Mint and burn emit
///         Transfer from/to the zero address, so token_transfers exports see them, as on mainnet.
///         Subcontracts add rules through the `_beforeTransfer` hook; `_name` prefixes revert reasons.
abstract contract ERC20 {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    /// @dev Contract name used as the prefix of revert reasons ("Stablecoin: ...").
    function _label() internal pure virtual returns (string memory);

    function _fail(string memory reason) internal pure {
        revert(string.concat(_label(), ": ", reason));
    }

    /// @dev Hook for rules on who may move tokens; `spender` is msg.sender for transferFrom.
    function _beforeTransfer(address spender, address from, address to) internal view virtual {}

    function transfer(address to, uint256 value) external returns (bool) {
        _beforeTransfer(msg.sender, msg.sender, to);
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _beforeTransfer(msg.sender, from, to);
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) _fail("insufficient allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        if (to == address(0)) _fail("transfer to the zero address");
        uint256 bal = balanceOf[from];
        if (bal < value) _fail("insufficient balance");
        unchecked {
            balanceOf[from] = bal - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        if (to == address(0)) _fail("mint to the zero address");
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function _burn(address from, uint256 value) internal {
        uint256 bal = balanceOf[from];
        if (bal < value) _fail("burn amount exceeds balance");
        unchecked {
            balanceOf[from] = bal - value;
            totalSupply -= value;
        }
        emit Transfer(from, address(0), value);
    }
}

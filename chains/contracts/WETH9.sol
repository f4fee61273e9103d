// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ERC20.sol";

/// @title Wrapped Ether, after WETH9: deposit ETH for an equal amount of the token, withdraw back.
/// @notice Deposit and Withdrawal have WETH9's shape; mint and burn also emit Transfer from/to the
///         zero address (WETH9 does not), so token_transfers exports balance without decoding them.
contract WETH9 is ERC20 {
    event Deposit(address indexed dst, uint256 wad);
    event Withdrawal(address indexed src, uint256 wad);

    constructor() ERC20("Wrapped Ether", "WETH", 18) {}

    function _label() internal pure override returns (string memory) {
        return "WETH9";
    }

    receive() external payable {
        deposit();
    }

    function deposit() public payable {
        _mint(msg.sender, msg.value);
        emit Deposit(msg.sender, msg.value);
    }

    function withdraw(uint256 wad) external {
        _burn(msg.sender, wad);
        emit Withdrawal(msg.sender, wad);
        (bool ok, ) = msg.sender.call{value: wad}("");
        if (!ok) _fail("ETH transfer failed");
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ERC20.sol";

/// @title Fiat-backed stablecoin with issuer freeze and seize (USDT/USDC-like, 6 decimals).
/// @notice The issuer mints against fiat received, burns on redemption, and on a court order or a
///         law-enforcement request freezes an address (it can no longer send, receive or spend an
///         allowance) and may then seize the frozen balance into a named custody address, e.g. the
///         multi-signature custody wallet of the seizing authority. A seizure moves the balance with
///         a standard Transfer event, so token_transfers exports show where the funds went.
contract Stablecoin is ERC20 {
    address public issuer;
    mapping(address => bool) public frozen;

    event IssuerChanged(address indexed previousIssuer, address indexed newIssuer);
    event Frozen(address indexed account);
    event Unfrozen(address indexed account);
    /// @param caseReference the order the seizure executes (court case or request number)
    event Seized(address indexed account, address indexed custody, uint256 amount, string caseReference);

    constructor(string memory name_, string memory symbol_, address issuer_) ERC20(name_, symbol_, 6) {
        if (issuer_ == address(0)) _fail("issuer is the zero address");
        issuer = issuer_;
        emit IssuerChanged(address(0), issuer_);
    }

    function _label() internal pure override returns (string memory) {
        return "Stablecoin";
    }

    modifier onlyIssuer() {
        if (msg.sender != issuer) _fail("caller is not the issuer");
        _;
    }

    function _beforeTransfer(address spender, address from, address to) internal view override {
        if (frozen[from]) _fail("sender is frozen");
        if (frozen[to]) _fail("recipient is frozen");
        if (spender != from && frozen[spender]) _fail("spender is frozen");
    }

    function setIssuer(address newIssuer) external onlyIssuer {
        if (newIssuer == address(0)) _fail("issuer is the zero address");
        emit IssuerChanged(issuer, newIssuer);
        issuer = newIssuer;
    }

    function mint(address to, uint256 amount) external onlyIssuer {
        if (frozen[to]) _fail("recipient is frozen");
        _mint(to, amount);
    }

    /// @notice Redeem: the issuer burns tokens it holds (sent back to it for fiat).
    function burn(uint256 amount) external onlyIssuer {
        _burn(msg.sender, amount);
    }

    function freeze(address account) external onlyIssuer {
        if (frozen[account]) _fail("account already frozen");
        frozen[account] = true;
        emit Frozen(account);
    }

    function unfreeze(address account) external onlyIssuer {
        if (!frozen[account]) _fail("account not frozen");
        frozen[account] = false;
        emit Unfrozen(account);
    }

    /// @notice Move the whole balance of a frozen account to `custody`; returns the amount seized.
    function seize(address account, address custody, string calldata caseReference)
        external
        onlyIssuer
        returns (uint256 amount)
    {
        if (!frozen[account]) _fail("account not frozen");
        if (custody == address(0)) _fail("custody is the zero address");
        if (frozen[custody]) _fail("custody is frozen");
        amount = balanceOf[account];
        if (amount == 0) _fail("nothing to seize");
        _transfer(account, custody, amount);
        emit Seized(account, custody, amount, caseReference);
    }
}

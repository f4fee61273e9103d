// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title m-of-n multi-signature custody wallet for seized assets.
/// @notice After Gnosis's MultiSigWallet (the ancestor of Safe): owners submit a transaction (to,
///         value, data), owners confirm it, and once `required` owners have confirmed anyone of the
///         owners may execute it. ETH transfers carry a value; token transfers carry the ERC-20
///         `transfer` call as data. Used in the lab as the wallet of a seizing authority: a seized
///         stablecoin balance or a swept suspect wallet lands here, and releasing it (to a victim or
///         to the treasury) needs several officers' signatures.
contract Custody {
    struct Transaction {
        address to;
        uint256 value;
        bytes data;
        bool executed;
        uint256 confirmations;
    }

    address[] public owners;
    mapping(address => bool) public isOwner;
    uint256 public immutable required;
    Transaction[] public transactions;
    mapping(uint256 => mapping(address => bool)) public confirmed;

    event Deposit(address indexed sender, uint256 value);
    event Submission(uint256 indexed txId, address indexed owner, address indexed to, uint256 value, bytes data);
    event Confirmation(address indexed owner, uint256 indexed txId);
    event Revocation(address indexed owner, uint256 indexed txId);
    event Execution(uint256 indexed txId);

    bool private _entered;

    constructor(address[] memory owners_, uint256 required_) {
        require(owners_.length > 0, "Custody: no owners");
        require(required_ > 0 && required_ <= owners_.length, "Custody: required must be between 1 and the number of owners");
        for (uint256 i = 0; i < owners_.length; i++) {
            address o = owners_[i];
            require(o != address(0), "Custody: owner is the zero address");
            require(!isOwner[o], "Custody: duplicate owner");
            isOwner[o] = true;
            owners.push(o);
        }
        required = required_;
    }

    modifier onlyOwner() {
        require(isOwner[msg.sender], "Custody: caller is not an owner");
        _;
    }

    modifier exists(uint256 txId) {
        require(txId < transactions.length, "Custody: unknown transaction");
        _;
    }

    modifier notExecuted(uint256 txId) {
        require(!transactions[txId].executed, "Custody: transaction already executed");
        _;
    }

    receive() external payable {
        emit Deposit(msg.sender, msg.value);
    }

    function ownerCount() external view returns (uint256) {
        return owners.length;
    }

    function transactionCount() external view returns (uint256) {
        return transactions.length;
    }

    /// @notice Submit a transaction and confirm it as its first signer; returns its id.
    function submit(address to, uint256 value, bytes calldata data) external onlyOwner returns (uint256 txId) {
        require(to != address(0), "Custody: destination is the zero address");
        txId = transactions.length;
        transactions.push(Transaction({to: to, value: value, data: data, executed: false, confirmations: 0}));
        emit Submission(txId, msg.sender, to, value, data);
        _confirm(txId);
    }

    function confirm(uint256 txId) external onlyOwner exists(txId) notExecuted(txId) {
        require(!confirmed[txId][msg.sender], "Custody: already confirmed by this owner");
        _confirm(txId);
    }

    function revoke(uint256 txId) external onlyOwner exists(txId) notExecuted(txId) {
        require(confirmed[txId][msg.sender], "Custody: not confirmed by this owner");
        confirmed[txId][msg.sender] = false;
        transactions[txId].confirmations -= 1;
        emit Revocation(msg.sender, txId);
    }

    function execute(uint256 txId) external onlyOwner exists(txId) notExecuted(txId) {
        require(!_entered, "Custody: reentrant call");
        Transaction storage t = transactions[txId];
        require(t.confirmations >= required, "Custody: not enough confirmations");
        require(address(this).balance >= t.value, "Custody: insufficient ETH balance");
        _entered = true;
        t.executed = true;
        (bool ok, bytes memory ret) = t.to.call{value: t.value}(t.data);
        _entered = false;
        if (!ok) {
            // Pass the callee's reason on, so "Stablecoin: sender is frozen" reaches the officer.
            if (ret.length > 0) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
            revert("Custody: transaction failed");
        }
        // A token whose transfer returns false instead of reverting must not pass as executed.
        if (ret.length == 32 && _isTokenMove(t.data)) {
            require(abi.decode(ret, (uint256)) != 0, "Custody: token transfer returned false");
        }
        emit Execution(txId);
    }

    function _isTokenMove(bytes memory data) private pure returns (bool) {
        if (data.length < 4) return false;
        bytes4 sel;
        assembly {
            sel := mload(add(data, 32))
        }
        return sel == 0xa9059cbb || sel == 0x23b872dd || sel == 0x095ea7b3; // transfer, transferFrom, approve
    }

    function _confirm(uint256 txId) private {
        confirmed[txId][msg.sender] = true;
        transactions[txId].confirmations += 1;
        emit Confirmation(msg.sender, txId);
    }
}

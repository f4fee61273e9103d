// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Fixed-denomination ETH mixer with commitments, nullifiers and relayer fees.
/// @notice One instance per denomination, as Tornado Cash deploys one pool per amount (0.1, 1, 10,
///         100 ETH). A depositor picks a random secret and nullifier, deposits exactly the
///         denomination with commitment = keccak256(secret ‖ nullifier), and later withdraws to any
///         address by revealing both, optionally through a relayer who pays the gas and keeps a fee.
///         The nullifier hash keccak256(nullifier) is recorded so a note is spent once.
///
///         Unlike Tornado Cash there is no zero-knowledge proof: the revealed secret tells the
///         contract (and anyone reading the withdrawal's input) which deposit is being spent. The
///         events have Tornado Cash's shape and carry the same information as on mainnet, so
///         analysis methods that work from events alone (timing, amounts, address reuse, relayer
///         and gas-payer links, deposit/withdrawal matching) apply unchanged; tracing the calldata
///         is a lab shortcut that does not exist on mainnet, and exercises do not rely on it.
contract Mixer {
    uint256 public immutable denomination;
    uint32 public nextIndex;
    mapping(bytes32 => bool) public commitments;
    mapping(bytes32 => bool) public nullifierHashes;

    event Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp);
    event Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee);

    bool private _entered;

    constructor(uint256 denomination_) {
        require(denomination_ > 0, "Mixer: denomination is zero");
        denomination = denomination_;
    }

    modifier nonReentrant() {
        require(!_entered, "Mixer: reentrant call");
        _entered = true;
        _;
        _entered = false;
    }

    /// @notice The commitment of a note, as deposit expects it.
    function commitmentOf(bytes32 secret, bytes32 nullifier) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(secret, nullifier));
    }

    /// @notice The nullifier hash a withdrawal records (and emits).
    function nullifierHashOf(bytes32 nullifier) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(nullifier));
    }

    function deposit(bytes32 commitment) external payable nonReentrant {
        require(msg.value == denomination, "Mixer: wrong denomination");
        require(commitment != bytes32(0), "Mixer: zero commitment");
        require(!commitments[commitment], "Mixer: commitment already deposited");
        commitments[commitment] = true;
        uint32 leafIndex = nextIndex;
        nextIndex = leafIndex + 1;
        emit Deposit(commitment, leafIndex, block.timestamp);
    }

    /// @notice Pay denomination - fee to `recipient` and fee to `relayer` (zero address: no relayer).
    function withdraw(bytes32 secret, bytes32 nullifier, address payable recipient, address payable relayer, uint256 fee)
        external
        nonReentrant
    {
        require(recipient != address(0), "Mixer: recipient is the zero address");
        require(commitments[commitmentOf(secret, nullifier)], "Mixer: unknown commitment");
        bytes32 nullifierHash = nullifierHashOf(nullifier);
        require(!nullifierHashes[nullifierHash], "Mixer: note already spent");
        require(fee <= denomination, "Mixer: fee exceeds denomination");
        require(relayer != address(0) || fee == 0, "Mixer: fee without a relayer");
        nullifierHashes[nullifierHash] = true;

        (bool ok, ) = recipient.call{value: denomination - fee}("");
        require(ok, "Mixer: payment to recipient failed");
        if (fee > 0) {
            (ok, ) = relayer.call{value: fee}("");
            require(ok, "Mixer: payment to relayer failed");
        }
        emit Withdrawal(recipient, nullifierHash, relayer, fee);
    }

    function isSpent(bytes32 nullifierHash) external view returns (bool) {
        return nullifierHashes[nullifierHash];
    }
}

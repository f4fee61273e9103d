// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ERC20.sol";

interface IBridgeToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Wrapped token minted by a Bridge for an asset locked on another chain.
/// @notice Only its bridge mints (on a deposit on the origin chain) and burns (when a holder
///         bridges back, which releases the locked original there).
contract BridgedToken is ERC20 {
    address public immutable bridge;
    uint256 public immutable originChainId;
    /// @notice The locked asset on the origin chain; the zero address is ETH.
    address public immutable originToken;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 originChainId_, address originToken_)
        ERC20(name_, symbol_, decimals_)
    {
        bridge = msg.sender;
        originChainId = originChainId_;
        originToken = originToken_;
    }

    function _label() internal pure override returns (string memory) {
        return "BridgedToken";
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != bridge) _fail("caller is not the bridge");
        _mint(to, amount);
    }

    function burnFrom(address from, uint256 amount) external {
        if (msg.sender != bridge) _fail("caller is not the bridge");
        _burn(from, amount);
    }
}

/// @title Lock-and-mint bridge, one contract per chain, a relayer between them.
/// @notice A deposit on chain A locks ETH or a token in this contract (or burns a wrapped token
///         that came from the destination chain), takes the next nonce and emits Deposited with the
///         destination chain and recipient. The relayer, watching A, calls `mint` (wrapped token)
///         or `release` (locked original) on chain B's bridge with A's chain id and the nonce;
///         Minted and Released carry both, so a deposit is matched to its payout by (chain, nonce),
///         as with real lock-and-mint bridges (Wormhole's sequence, Multichain's swap id, the
///         Ronin bridge's deposit id). A nonce is paid out once: a replay reverts.
contract Bridge {
    address public owner;
    address public relayer;
    uint256 public nextNonce;
    /// @notice srcChainId => nonce => paid out here
    mapping(uint256 => mapping(uint256 => bool)) public processed;
    /// @notice originChainId => originToken => wrapped token on this chain
    mapping(uint256 => mapping(address => address)) public wrappedToken;
    mapping(address => bool) public isWrapped;
    /// @notice token (zero address: ETH) => amount locked here and not yet released
    mapping(address => uint256) public locked;

    event Deposited(uint256 indexed nonce, address indexed sender, address indexed token, uint256 amount,
                    uint256 dstChainId, address recipient);
    event Minted(uint256 indexed srcChainId, uint256 indexed nonce, address indexed recipient, address token, uint256 amount);
    event Released(uint256 indexed srcChainId, uint256 indexed nonce, address indexed recipient, address token, uint256 amount);
    event WrappedTokenCreated(uint256 indexed originChainId, address indexed originToken, address wrapped);
    event RelayerChanged(address indexed previousRelayer, address indexed newRelayer);

    bool private _entered;

    constructor(address relayer_) {
        require(relayer_ != address(0), "Bridge: relayer is the zero address");
        owner = msg.sender;
        relayer = relayer_;
        emit RelayerChanged(address(0), relayer_);
    }

    modifier onlyRelayer() {
        require(msg.sender == relayer, "Bridge: caller is not the relayer");
        _;
    }

    modifier nonReentrant() {
        require(!_entered, "Bridge: reentrant call");
        _entered = true;
        _;
        _entered = false;
    }

    function setRelayer(address newRelayer) external {
        require(msg.sender == owner, "Bridge: caller is not the owner");
        require(newRelayer != address(0), "Bridge: relayer is the zero address");
        emit RelayerChanged(relayer, newRelayer);
        relayer = newRelayer;
    }

    // -- deposits (source side) --------------------------------------------------------------

    function depositETH(uint256 dstChainId, address recipient) external payable nonReentrant returns (uint256 nonce) {
        require(msg.value > 0, "Bridge: amount is zero");
        _checkDestination(dstChainId, recipient);
        locked[address(0)] += msg.value;
        nonce = _deposit(address(0), msg.value, dstChainId, recipient);
    }

    /// @notice Lock `amount` of `token` (approved to this bridge), or burn it if it is a wrapped token
    ///         of this bridge going back to its origin chain.
    function depositToken(address token, uint256 amount, uint256 dstChainId, address recipient)
        external
        nonReentrant
        returns (uint256 nonce)
    {
        require(token != address(0), "Bridge: token is the zero address");
        require(amount > 0, "Bridge: amount is zero");
        _checkDestination(dstChainId, recipient);
        if (isWrapped[token]) {
            require(BridgedToken(token).originChainId() == dstChainId,
                    "Bridge: a wrapped token can only go back to its origin chain");
            BridgedToken(token).burnFrom(msg.sender, amount);
        } else {
            _call(token, abi.encodeWithSelector(IBridgeToken.transferFrom.selector, msg.sender, address(this), amount));
            locked[token] += amount;
        }
        nonce = _deposit(token, amount, dstChainId, recipient);
    }

    // -- payouts (destination side, relayer only) -------------------------------------------

    /// @notice Create the wrapped token for an asset of another chain (once per asset).
    function createWrapped(uint256 originChainId, address originToken, string calldata name_, string calldata symbol_,
                           uint8 decimals_) external onlyRelayer returns (address wrapped) {
        require(originChainId != block.chainid, "Bridge: origin is this chain");
        require(wrappedToken[originChainId][originToken] == address(0), "Bridge: wrapped token already exists");
        wrapped = address(new BridgedToken(name_, symbol_, decimals_, originChainId, originToken));
        wrappedToken[originChainId][originToken] = wrapped;
        isWrapped[wrapped] = true;
        emit WrappedTokenCreated(originChainId, originToken, wrapped);
    }

    /// @notice Mint the wrapped token for deposit `nonce` on chain `srcChainId`, which locked `originToken`.
    function mint(uint256 srcChainId, uint256 nonce, address originToken, address recipient, uint256 amount)
        external
        onlyRelayer
        nonReentrant
    {
        _markProcessed(srcChainId, nonce);
        address wrapped = wrappedToken[srcChainId][originToken];
        require(wrapped != address(0), "Bridge: no wrapped token for this origin asset");
        BridgedToken(wrapped).mint(recipient, amount);
        emit Minted(srcChainId, nonce, recipient, wrapped, amount);
    }

    /// @notice Release locked `token` (zero address: ETH) for deposit `nonce` on chain `srcChainId`,
    ///         which burned the wrapped form of it there.
    function release(uint256 srcChainId, uint256 nonce, address token, address recipient, uint256 amount)
        external
        onlyRelayer
        nonReentrant
    {
        _markProcessed(srcChainId, nonce);
        require(locked[token] >= amount, "Bridge: insufficient locked funds");
        locked[token] -= amount;
        if (token == address(0)) {
            (bool ok, ) = payable(recipient).call{value: amount}("");
            require(ok, "Bridge: ETH transfer failed");
        } else {
            _call(token, abi.encodeWithSelector(IBridgeToken.transfer.selector, recipient, amount));
        }
        emit Released(srcChainId, nonce, recipient, token, amount);
    }

    // -- internals ----------------------------------------------------------------------------

    function _checkDestination(uint256 dstChainId, address recipient) private view {
        require(dstChainId != 0 && dstChainId != block.chainid, "Bridge: invalid destination chain");
        require(recipient != address(0), "Bridge: recipient is the zero address");
    }

    function _deposit(address token, uint256 amount, uint256 dstChainId, address recipient) private returns (uint256 nonce) {
        nonce = nextNonce;
        nextNonce = nonce + 1;
        emit Deposited(nonce, msg.sender, token, amount, dstChainId, recipient);
    }

    function _markProcessed(uint256 srcChainId, uint256 nonce) private {
        require(srcChainId != block.chainid, "Bridge: source is this chain");
        require(!processed[srcChainId][nonce], "Bridge: nonce already processed");
        processed[srcChainId][nonce] = true;
    }

    function _call(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok) {
            if (ret.length > 0) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
            revert("Bridge: token call failed");
        }
        require(ret.length == 0 || abi.decode(ret, (bool)), "Bridge: token transfer returned false");
    }
}

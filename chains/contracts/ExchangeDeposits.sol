// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

interface ISweepToken {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
}

/// @title One customer's deposit address at an exchange: a forwarder swept into the hot wallet.
/// @notice Customers send ETH or tokens here; the exchange's operator sweeps the balance into the
///         hot wallet. An ETH sweep is an internal transfer (a call with value out of this contract):
///         it appears in trace exports, and the Swept event records it for nodes without a trace API.
///         Plain ETH sent here runs `receive`, so a sender needs a gas limit above 21,000.
contract DepositAddress {
    address public immutable factory;

    /// @param token the swept token; the zero address is ETH
    event Swept(address indexed token, address indexed hotWallet, uint256 amount);

    constructor() {
        factory = msg.sender;
    }

    receive() external payable {}

    function sweep(address token) external returns (uint256 amount) {
        ExchangeDeposits f = ExchangeDeposits(factory);
        require(msg.sender == address(f) || msg.sender == f.operator(), "DepositAddress: caller is not the operator");
        address hot = f.hotWallet();
        if (token == address(0)) {
            amount = address(this).balance;
            require(amount > 0, "DepositAddress: nothing to sweep");
            (bool ok, ) = payable(hot).call{value: amount}("");
            require(ok, "DepositAddress: ETH transfer failed");
        } else {
            amount = ISweepToken(token).balanceOf(address(this));
            require(amount > 0, "DepositAddress: nothing to sweep");
            (bool ok, bytes memory ret) = token.call(abi.encodeWithSelector(ISweepToken.transfer.selector, hot, amount));
            require(ok && (ret.length == 0 || abi.decode(ret, (bool))), "DepositAddress: token transfer failed");
        }
        emit Swept(token, hot, amount);
    }
}

/// @title An exchange's deposit-address factory: one CREATE2 forwarder per customer, swept to a hot wallet.
/// @notice The address of a customer's forwarder is known before it is deployed (CREATE2 with the
///         customer id as salt), so the exchange hands it out at once and deploys it at the first
///         sweep, as real exchanges do. Deposit addresses sweeping into one hot wallet is what the
///         deposit-address clustering heuristic looks for.
contract ExchangeDeposits {
    address public operator;
    address public hotWallet;
    mapping(address => bytes32) public customerOf;
    mapping(bytes32 => address) public deployed;

    event DepositAddressCreated(bytes32 indexed customer, address depositAddress);
    event HotWalletChanged(address indexed previousHotWallet, address indexed newHotWallet);

    constructor(address operator_, address hotWallet_) {
        require(operator_ != address(0) && hotWallet_ != address(0), "ExchangeDeposits: zero address");
        operator = operator_;
        hotWallet = hotWallet_;
        emit HotWalletChanged(address(0), hotWallet_);
    }

    modifier onlyOperator() {
        require(msg.sender == operator, "ExchangeDeposits: caller is not the operator");
        _;
    }

    function setHotWallet(address newHotWallet) external onlyOperator {
        require(newHotWallet != address(0), "ExchangeDeposits: zero address");
        emit HotWalletChanged(hotWallet, newHotWallet);
        hotWallet = newHotWallet;
    }

    /// @notice The deposit address of `customer`, deployed or not.
    function depositAddressOf(bytes32 customer) public view returns (address) {
        bytes32 h = keccak256(abi.encodePacked(bytes1(0xff), address(this), customer,
                                               keccak256(type(DepositAddress).creationCode)));
        return address(uint160(uint256(h)));
    }

    function createDepositAddress(bytes32 customer) public onlyOperator returns (address addr) {
        require(deployed[customer] == address(0), "ExchangeDeposits: deposit address already created");
        addr = address(new DepositAddress{salt: customer}());
        deployed[customer] = addr;
        customerOf[addr] = customer;
        emit DepositAddressCreated(customer, addr);
    }

    /// @notice Sweep `token` (zero address: ETH) from the deposit addresses of `customers` that hold
    ///         any, deploying those not yet deployed. Returns the total swept.
    function sweep(bytes32[] calldata customers, address token) external onlyOperator returns (uint256 total) {
        for (uint256 i = 0; i < customers.length; i++) {
            address addr = deployed[customers[i]];
            if (addr == address(0)) {
                addr = depositAddressOf(customers[i]);
                uint256 held = token == address(0) ? addr.balance : ISweepToken(token).balanceOf(addr);
                if (held == 0) continue;
                createDepositAddress(customers[i]);
            } else {
                uint256 held = token == address(0) ? addr.balance : ISweepToken(token).balanceOf(addr);
                if (held == 0) continue;
            }
            total += DepositAddress(payable(addr)).sweep(token);
        }
    }
}
